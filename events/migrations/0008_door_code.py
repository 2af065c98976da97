from django.db import migrations, models

import events.models
from events.apps import DOOR_GRANTS
from portal.roles import grant_in_migration


def give_each_registration_its_code(apps, schema_editor):
    """AddField computes a callable default once for every row; each registration needs its own."""
    Registration = apps.get_model("events", "Registration")
    rows = list(Registration.objects.only("pk"))
    for row in rows:
        row.door_code = events.models.new_door_code()
    Registration.objects.bulk_update(rows, ["door_code"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("events", "0007_reminder_rule_grants")]

    operations = [
        migrations.AlterModelOptions(
            name="registration",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [
                    ("view_registration_personal_data", "Can see who registered (participants' personal data)"),
                    ("check_in_registration", "Can check participants in at the door"),
                ],
                "verbose_name": "registration",
                "verbose_name_plural": "registrations",
            },
        ),
        migrations.AddField(
            model_name="registration",
            name="door_code",
            field=models.CharField(
                default=events.models.new_door_code, editable=False, max_length=8, verbose_name="door code"
            ),
        ),
        migrations.RunPython(give_each_registration_its_code, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="registration",
            constraint=models.UniqueConstraint(fields=("event", "door_code"), name="events_registration_door_code_unique"),
        ),
        migrations.RunPython(grant_in_migration(DOOR_GRANTS, app_label="events"), migrations.RunPython.noop),
    ]
