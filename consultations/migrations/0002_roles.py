from django.db import migrations

from consultations.roles import CONSULTATION_GRANTS
from portal.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
        ("portal", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(
            grant_in_migration(CONSULTATION_GRANTS, app_label="consultations"), migrations.RunPython.noop
        )
    ]
