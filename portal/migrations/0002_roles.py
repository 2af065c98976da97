from django.db import migrations

from portal.roles import PORTAL_GRANTS, grant_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_in_migration(PORTAL_GRANTS, app_label="portal"), migrations.RunPython.noop)]
