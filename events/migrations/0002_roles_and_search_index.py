from django.db import migrations

from events.apps import EVENTS_GRANTS
from portal.roles import grant_in_migration
from portal.search import gin_index_operation


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial"), ("portal", "0002_roles")]

    operations = [
        migrations.RunPython(grant_in_migration(EVENTS_GRANTS, app_label="events"), migrations.RunPython.noop),
        gin_index_operation("events_event", "events_event_search_gin"),
    ]
