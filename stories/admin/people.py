"""People in the back office: Django's user admin, with the names bylines show and the author page's address.

Two changes to Django's own: the names refuse what a byline cannot show (control characters, line breaks),
and each person's public slug (stories.models.Profile) is edited beside them. Saving a person gives them
the slug made from their name when the field is left empty; a person without a name has none.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError

from ..forms import reject_control_characters, reject_line_breaks
from ..models import Profile

People = get_user_model()
NAME_FIELDS = ["first_name", "last_name"]
# What the public site shows of a person: a change to any of them changes bylines or the author page.
PUBLIC_FIELDS = [*NAME_FIELDS, "public_slug", "is_active"]


class PersonChangeForm(UserChangeForm):
    public_slug = forms.SlugField(
        label="Public address",
        max_length=Profile._meta.get_field("slug").max_length,
        required=False,
        help_text=(
            "The address of their author page, which bylines link to: /authors/ann-lee/ for Ann Lee. Leave it "
            "empty to make it from the name (a person without a name has no author page). Never a login name."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in NAME_FIELDS:
            if name in self.fields:
                # Bylines, feeds and review emails show the names: one line of visible characters.
                self.fields[name].validators += [reject_control_characters, reject_line_breaks]
        if self.instance.pk and "public_slug" in self.fields:
            profile = Profile.objects.filter(user=self.instance).first()
            self.fields["public_slug"].initial = profile.slug if profile else ""

    def clean_public_slug(self):
        slug = self.cleaned_data["public_slug"].lower()
        if not slug:
            return ""
        if Profile.objects.filter(slug=slug).exclude(user_id=self.instance.pk).exists():
            raise ValidationError("Another person has this address.", code="taken")
        if People.objects.filter(**{f"{People.USERNAME_FIELD}__iexact": slug}).exists():
            raise ValidationError("This is a login name: an author page must not reveal one.", code="login_name")
        return slug


def _with_public_slug(fieldsets):
    """Django's user fieldsets with the public address right after the last name."""
    out = []
    for title, options in fieldsets:
        fields = list(options["fields"])
        if "last_name" in fields:
            fields.insert(fields.index("last_name") + 1, "public_slug")
        out.append((title, {**options, "fields": fields}))
    return out


admin.site.unregister(People)


@admin.register(People)
class PersonAdmin(UserAdmin):
    form = PersonChangeForm
    fieldsets = _with_public_slug(UserAdmin.fieldsets)
    list_display = [*UserAdmin.list_display, "public_address"]
    list_select_related = ["profile"]
    search_fields = [*UserAdmin.search_fields, "profile__slug"]

    @admin.display(description="public address", ordering="profile__slug")
    def public_address(self, person):
        profile = getattr(person, "profile", None)
        return profile.slug if profile else "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "public_slug" not in form.fields:  # the add form: no name yet, so no address either
            return
        Profile.objects.assign(obj, form.cleaned_data["public_slug"])
