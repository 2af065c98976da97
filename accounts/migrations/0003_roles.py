from django.db import migrations

from accounts.apps import ACCOUNTS_GRANTS
from portal.roles import grant_in_migration


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_privacypolicy_profile"), ("portal", "0002_roles")]

    operations = [migrations.RunPython(grant_in_migration(ACCOUNTS_GRANTS, app_label="accounts"), migrations.RunPython.noop)]
