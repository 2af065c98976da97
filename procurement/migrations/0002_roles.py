from django.db import migrations

from portal.roles import grant_in_migration
from procurement.roles import PROCUREMENT_GRANTS


class Migration(migrations.Migration):
    dependencies = [("procurement", "0001_initial"), ("portal", "0002_roles")]

    operations = [
        migrations.RunPython(grant_in_migration(PROCUREMENT_GRANTS, app_label="procurement"), migrations.RunPython.noop)
    ]
