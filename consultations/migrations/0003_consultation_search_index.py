from django.db import migrations

from portal.search import gin_index_operation


class Migration(migrations.Migration):
    dependencies = [("consultations", "0002_roles")]

    operations = [gin_index_operation("consultations_consultation", "consultations_consultation_search_gin")]
