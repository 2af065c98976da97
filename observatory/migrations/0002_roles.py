from django.db import migrations

from observatory.roles import OBSERVATORY_GRANTS
from portal.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("observatory", "0001_initial"),
        ("portal", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(grant_in_migration(OBSERVATORY_GRANTS, app_label="observatory"), migrations.RunPython.noop)
    ]
