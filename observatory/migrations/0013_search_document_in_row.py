from django.db import migrations

from portal.search import inline_storage_operation


class Migration(migrations.Migration):
    """Search documents kept inside the rows (STORAGE MAIN, PostgreSQL only): ranking a search's
    matches no longer reads each one's document from TOAST. See portal.search.inline_storage_operation."""

    dependencies = [("observatory", "0012_cover_focus_and_illustration")]

    operations = [inline_storage_operation("observatory_publication")]
