"""The three newsroom roles as groups, each with the least it needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Writers": [
        "view_story",
        "add_story",
        "change_story",
        "view_highlight",
        "add_highlight",
        "change_highlight",
        "delete_highlight",
        "view_section",
        "view_tag",
        "view_storytransition",
        "view_correction",
    ],
    "Editors": [
        "view_story",
        "add_story",
        "change_story",
        "delete_story",
        "edit_any_story",
        "publish_story",
        "view_highlight",
        "add_highlight",
        "change_highlight",
        "delete_highlight",
        "view_section",
        "add_section",
        "change_section",
        "view_tag",
        "add_tag",
        "change_tag",
        "view_correction",
        "add_correction",
        "change_correction",
        "view_storytransition",
        "view_opinion",
        "view_moderationpolicy",
        "change_moderationpolicy",
        "add_moderationpolicy",
        "view_bannedword",
        "add_bannedword",
        "change_bannedword",
        "delete_bannedword",
    ],
    "Moderators": [
        "view_story",
        "view_highlight",
        "view_section",
        "view_tag",
        "view_correction",
        "view_opinion",
        "change_opinion",
        "moderate_opinion",
        "view_bannedword",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    app_config = apps.get_app_config("stories")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(content_type__app_label="stories", codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Unknown permissions for {name}: {sorted(missing)}")
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
