from django.db import migrations

from portal.search import gin_index_operation


class Migration(migrations.Migration):
    dependencies = [("integrity", "0001_initial")]

    operations = [gin_index_operation("integrity_initiative", "integrity_initiative_search_gin")]
