from django.db import migrations

from portal.search import inline_storage_operation


class Migration(migrations.Migration):
    """Search documents kept inside the rows (STORAGE MAIN, PostgreSQL only): ranking a search's
    matches no longer reads each one's document from TOAST. See portal.search.inline_storage_operation."""

    dependencies = [("consultations", "0003_consultation_search_index")]

    operations = [inline_storage_operation("consultations_consultation")]
