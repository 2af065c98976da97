from django.db import migrations

from portal.search import gin_index_operation


class Migration(migrations.Migration):
    dependencies = [("observatory", "0002_roles")]

    operations = [gin_index_operation("observatory_publication", "observatory_publication_search_gin")]
