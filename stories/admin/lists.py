"""Plumbing of the desk's long lists: counted cheaply, sorted only by indexed columns, filtered by what a
person may see.

The story list and the opinion queue run over the whole archive (a million stories, more opinions): as they
open, each of their queries reads a bounded number of index entries, whatever the archive's size.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .. import counts, workflow


class ArchivePaginator(Paginator):
    """Counts a list exactly up to EXACT_COUNT_LIMIT rows; past that, takes PostgreSQL's estimate.

    An exact COUNT(*) reads every matching row (the whole archive, on the unfiltered list) on every request,
    only to number the pages. `estimated` tells the template to say "about".
    """

    estimated = False

    @cached_property
    def count(self):
        queryset = self.object_list
        counted = queryset.order_by()[: counts.EXACT_COUNT_LIMIT + 1].count()
        if counted <= counts.EXACT_COUNT_LIMIT:
            return counted
        estimate = counts.planner_estimate(queryset)
        if estimate is None:
            return queryset.count()
        self.estimated = True
        return max(estimate, counted)


class IndexedSortChangeList(ChangeList):
    """Sorts only by the columns the list offers to sort (sortable_by), even for a hand-made ?o= address: the
    others have no index, and sorting the archive by them reads and sorts every row."""

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


class ArchiveListAdmin(admin.ModelAdmin):
    """A changelist over the whole archive: counted cheaply (ArchivePaginator), sorted only by indexed columns
    (IndexedSortChangeList; list them in `sortable_by`)."""

    list_per_page = 50
    paginator = ArchivePaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList


def of_visible_stories(request, queryset):
    """The rows of `queryset` (audit rows, opinions…) that belong to stories the person may open.

    The rule of Story.objects.visible_to (workflow.stories_seen_by): whoever may not open a story learns
    nothing of it through its rows either — not in a list, a search, a filter's choices or counts, the date
    hierarchy, nor a row's own page (which, not found, redirects like one that does not exist).
    """
    if workflow.stories_seen_by(request.user) == "all":
        return queryset  # no subquery over the whole archive for the desk
    return queryset.filter(story__in=workflow.visible_stories(request.user).values("pk"))
