"""People's public slugs: author pages and bylines stop publishing login names.

Every existing person with a name gets a slug made from it, as Profile.objects.free_slug makes one
("ann-lee", else "ann-lee-2", …; never anybody's login name). A person without a name gets none.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils.text import slugify

SLUG_LENGTH = 80


def give_people_public_slugs(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Profile = apps.get_model("stories", "Profile")
    taken = {login.lower() for login in User.objects.values_list("username", flat=True)}
    taken |= set(Profile.objects.values_list("slug", flat=True))
    profiles = []
    people = User.objects.filter(profile__isnull=True).order_by("pk").values_list("pk", "first_name", "last_name")
    for pk, first_name, last_name in people.iterator():
        name = " ".join(f"{first_name} {last_name}".split())
        if not name:
            continue
        base = slugify(name)[: SLUG_LENGTH - 6].strip("-_") or "author"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        profiles.append(Profile(user_id=pk, slug=slug))
    Profile.objects.bulk_create(profiles, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0007_field_checks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Profile",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="profile",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="Their author page's address (/authors/ann-lee/ for Ann Lee). Never a login name.",
                        max_length=SLUG_LENGTH,
                        unique=True,
                        verbose_name="public address",
                    ),
                ),
            ],
        ),
        migrations.RunPython(give_people_public_slugs, migrations.RunPython.noop, elidable=True),
    ]
