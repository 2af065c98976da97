from django.db import migrations

from portal.search import gin_index_operation


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_roles")]

    operations = [gin_index_operation("portal_news", "portal_news_search_gin")]
