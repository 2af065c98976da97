from django.db import migrations

from portal.roles import AUTHORS, EDITORS, grant_roles, noop

TAXONOMY = [f"{verb}_{model}" for model in ("country", "body", "topic") for verb in ("add", "change", "delete", "view")]

GRANTS = {
    # Authors write and submit their own drafts; the rule "own drafts only" is in portal.services.can_edit.
    AUTHORS: ["add_news", "change_news", "view_news", "add_newslink", "change_newslink", "delete_newslink",
              "view_newslink", "view_country", "view_body", "view_topic"],
    # Editors may do every workflow move (publish_news) and edit anything, taxonomy included.
    EDITORS: ["add_news", "change_news", "delete_news", "view_news", "publish_news",
              "add_newslink", "change_newslink", "delete_newslink", "view_newslink", *TAXONOMY],
}


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_roles(GRANTS, app_label="portal"), noop)]
