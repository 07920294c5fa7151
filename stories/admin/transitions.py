"""The audit trail of the workflow's moves, read-only."""

from django.contrib import admin

from ..models import StoryTransition
from .lists import of_visible_stories


@admin.register(StoryTransition)
class StoryTransitionAdmin(admin.ModelAdmin):
    """The audit trail, read-only: rows are written by stories/workflow.py and never edited.

    Each person sees the moves of the stories they may open, no others (of_visible_stories).
    """

    list_display = ["created_at", "story", "from_status", "to_status", "actor", "comment"]
    list_filter = ["to_status", "from_status", "created_at"]
    list_select_related = ["story", "actor"]
    search_fields = ["story__title", "comment"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        # Lists, search, filters, facets, the date hierarchy and each row's pages all read through here.
        return of_visible_stories(request, super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
