from django.db import migrations

from portal.roles import KEY_FIGURE_GRANTS, grant_in_migration


class Migration(migrations.Migration):
    dependencies = [("portal", "0008_key_figures")]

    operations = [
        migrations.RunPython(grant_in_migration(KEY_FIGURE_GRANTS, app_label="portal"), migrations.RunPython.noop)
    ]
