"""Writers may add tags: the story form creates a tag they type that does not exist yet."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Permissions each role gains here, beside those of 0002_roles.
GRANTS = {"Writers": ["add_tag"]}


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    app_config = apps.get_app_config("stories")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="stories", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="stories", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("stories", "0012_live_coverage")]

    operations = [migrations.RunPython(grant, revoke)]
