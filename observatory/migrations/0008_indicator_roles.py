from django.db import migrations

from observatory.roles import INDICATOR_GRANTS
from portal.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [("observatory", "0007_indicators")]

    operations = [
        migrations.RunPython(grant_in_migration(INDICATOR_GRANTS, app_label="observatory"), migrations.RunPython.noop)
    ]
