"""People's public face: the address of their author page, and the people rows remember."""

import itertools

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from ..links import reader_url

# --- People's public face ---------------------------------------------------------------------


class ProfileQuerySet(models.QuerySet):
    def free_slug(self, name: str, *, person=None) -> str | None:
        """A public address made from `name` that no other person holds and that is nobody's login name:
        "ann-lee", else "ann-lee-2", …; None for an empty name. A name with no letter ASCII can spell
        becomes "author", "author-2", …."""
        name = " ".join(name.split())
        if not name:
            return None
        limit = Profile._meta.get_field("slug").max_length - 6  # room for "-99999"
        base = slugify(name)[:limit].strip("-_") or "author"
        people = get_user_model()
        login = people.USERNAME_FIELD
        taken = set(self.filter(slug__startswith=base).exclude(user=person).values_list("slug", flat=True))
        logins = people.objects.filter(**{f"{login}__istartswith": base}).values_list(login, flat=True)
        taken |= {value.lower() for value in logins}
        for n in itertools.count(1):
            slug = base if n == 1 else f"{base}-{n}"
            if slug not in taken:
                return slug

    def assign(self, person, slug: str = ""):
        """Give `person` the public address `slug` or, when it is empty, one made from their full name.

        A person without a name gets none: no author page, and bylines name them without a link.
        """
        attempts = 1 if slug else 3  # someone may take a made address meanwhile: it is made again
        for attempt in range(1, attempts + 1):
            chosen = slug or self.free_slug(person.get_full_name(), person=person)
            if not chosen:
                self.filter(user=person).delete()
                return None
            try:
                with transaction.atomic():
                    return self.update_or_create(user=person, defaults={"slug": chosen})[0]
            except IntegrityError:
                if attempt == attempts:
                    raise
        return None

    def for_person(self, person):
        """The person's profile, made from their full name when they have none yet (None without a name)."""
        return self.filter(user=person).first() or self.assign(person)


class Profile(models.Model):
    """What the public site knows a person by: their author page's address, never their login name.

    Bylines, the author page, feeds and structured data use `slug`; the username stays in the desk.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    slug = models.SlugField(
        "public address",
        max_length=80,
        unique=True,
        help_text="Their author page's address (/authors/ann-lee/ for Ann Lee). Never a login name.",
    )

    objects = ProfileQuerySet.as_manager()

    def __str__(self):
        return self.slug

    def get_absolute_url(self):
        return reader_url("stories:author", self.slug)


def person_field(related_name="+", **options):
    """A person a row remembers (who wrote, edited, moderated): kept empty when their account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name=related_name, **options
    )
