from django.db import migrations

from events.apps import REMINDER_RULE_GRANTS
from portal.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [("events", "0006_reminder_rules")]

    operations = [
        migrations.RunPython(grant_in_migration(REMINDER_RULE_GRANTS, app_label="events"), migrations.RunPython.noop)
    ]
