from django.db import migrations

from portal.search import inline_storage_operation


class Migration(migrations.Migration):
    """Search documents kept inside the rows (STORAGE MAIN, PostgreSQL only): ranking a search's
    matches no longer reads each one's document from TOAST. See portal.search.inline_storage_operation."""

    dependencies = [("portal", "0012_outbox_message_text_lz4")]

    operations = [inline_storage_operation("portal_news")]
