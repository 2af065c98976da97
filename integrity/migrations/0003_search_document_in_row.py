from django.db import migrations

from portal.search import inline_storage_operation


class Migration(migrations.Migration):
    """Search documents kept inside the rows (STORAGE MAIN, PostgreSQL only): ranking a search's
    matches no longer reads each one's document from TOAST. See portal.search.inline_storage_operation."""

    dependencies = [("integrity", "0002_initiative_search_index")]

    operations = [inline_storage_operation("integrity_initiative")]
