"""The newsroom's admin site: Django's own, with its two site-wide lookups held to what each person may open.

Django's site answers "view on site" (`/admin/r/<content type>/<id>/`) by redirecting any member of staff to
the address of any object with a `get_absolute_url`, and its autocomplete endpoint answers for any relation of
any registered model. Both would name stories a writer may not see (a story's address is its headline). Here
both go through the model's ModelAdmin, which decides what a person may open (`StoryAdmin.get_queryset`:
`Story.objects.visible_to`): what it does not find is a 404, exactly like what does not exist.

`@admin.register` and `admin.site` keep working: this is the default site (NewsroomAdminConfig replaces
"django.contrib.admin" in INSTALLED_APPS).
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path

NOT_FOUND = "Nothing to view here."


class NewsroomAdminSite(admin.AdminSite):
    def get_urls(self):
        checked = path(
            "r/<path:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site), name="view_on_site"
        )
        return [checked if getattr(url, "name", None) == "view_on_site" else url for url in super().get_urls()]

    def view_on_site(self, request, content_type_id, object_id):
        """Where "view on site" leads for an object the person may open in the admin; a 404 for anything else.

        The object's ModelAdmin says where: its `view_on_site` when it is a function (a story not yet live
        opens as its preview), else the object's own address.
        """
        from django.contrib.contenttypes.models import ContentType  # models are not ready when this module loads

        if not (content_type_id.isascii() and content_type_id.isdigit() and len(content_type_id) <= 9):
            raise Http404(NOT_FOUND)
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except ContentType.DoesNotExist:
            raise Http404(NOT_FOUND) from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise Http404(NOT_FOUND)
        # get_object reads through the ModelAdmin's get_queryset and answers None for a malformed key.
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404(NOT_FOUND)
        if callable(model_admin.view_on_site):
            url = model_admin.view_on_site(obj)
        elif model_admin.view_on_site and hasattr(obj, "get_absolute_url"):
            url = obj.get_absolute_url()
        else:
            url = None
        if not url:
            raise Http404(NOT_FOUND)
        return HttpResponseRedirect(url)

    def autocomplete_view(self, request):
        """Answers only for a field an admin form shows with an autocomplete widget (`autocomplete_fields`).

        Django's endpoint answers for any relation of any registered model, reverse ones included (a 500),
        which lets staff search headlines through models whose pages they never see.
        """
        wanted = (request.GET.get("app_label"), request.GET.get("model_name"), request.GET.get("field_name"))
        if wanted not in self._autocomplete_fields(request):
            raise PermissionDenied
        return super().autocomplete_view(request)

    def _autocomplete_fields(self, request):
        """(app label, model name, field name) of every field shown with an autocomplete widget."""
        fields = set()
        for model, model_admin in self._registry.items():
            editors = [(model, model_admin)]
            editors += [(inline.model, inline(model, self)) for inline in model_admin.inlines]
            for edited, editor in editors:
                label, name = edited._meta.app_label, edited._meta.model_name
                fields.update((label, name, field) for field in editor.get_autocomplete_fields(request))
        return fields


class NewsroomAdminConfig(AdminConfig):
    """django.contrib.admin, with the newsroom's site as `admin.site`."""

    default_site = "newsroom.admin_site.NewsroomAdminSite"
