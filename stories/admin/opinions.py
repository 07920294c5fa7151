"""Opinions moderation: the queue moderators work through, the policy and the banned words.

Every decision, from a bulk action or a row's button, goes through workflow.moderate (the single door that
records who and when); opinions themselves are never edited, only judged.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.timesince import timesince

from .. import opinions, workflow
from ..dates import format_local
from ..forms import BannedWordForm
from ..models import BannedWord, ModerationPolicy, Opinion, OpinionStatus
from .filters import OpinionStatusFilter, OpinionStoryFilter
from .lists import ArchiveListAdmin, of_visible_stories

# Bulk actions in the queue, and the same decisions on an opinion's own page.
_BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


@admin.register(Opinion)
class OpinionAdmin(ArchiveListAdmin):
    # The text first, with who wrote it, on which story and its flags under it; then its age and the decisions.
    # Few columns, each wrapping: the queue needs no sideways scrolling at 1280 px with the admin's sidebar and
    # the filters open, and stacks on a phone (admin-opinions.css).
    list_display = ["summary", "age"]
    list_display_links = None
    list_filter = [OpinionStatusFilter, ("story", OpinionStoryFilter), ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["story"]
    # Oldest first: the queue is worked through in the order readers wrote (opinion_queue_idx: status, then
    # time). Only the age column sorts: the others have no index to sort a large queue by.
    ordering = ["created_at", "pk"]
    sortable_by = ["age"]
    search_fields = ["author_name", "body", "email", "story__title"]
    search_help_text = "Search names, opinion text, email addresses and headlines."
    # The status filter counts on its own, in one query; facets would count every filter again.
    show_facets = admin.ShowFacets.NEVER
    actions = ["approve_selected", "reject_selected", "spam_selected"]
    fields = [
        "story_link",
        "author_name",
        "email",
        "body_text",
        "status",
        "flag_list",
        "created_at",
        "moderated_by",
        "moderated_at",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["css/admin-opinions.css"]}

    # --- Rights: view to see the queue, moderate_opinion to decide; nobody edits a reader's words ---

    def get_queryset(self, request):
        # Opinions on stories the person may open, no others: the queue, its search, filters and counts, and
        # each opinion's page and decision read through here.
        return of_visible_stories(request, super().get_queryset(request)).select_related("story")

    def has_moderate_permission(self, request):
        return workflow.may_moderate(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Deleting loses the record of a decision; spam and rejection keep it.
        actions.pop("delete_selected", None)
        return actions

    def get_list_display(self, request):
        if not self.has_moderate_permission(request):
            return self.list_display
        return [*self.list_display, self._quick_actions_column(request)]

    # --- Columns ---

    @admin.display(description="story", ordering="story__title")
    def story_link(self, opinion):
        return format_html(
            '<a href="{}">{}</a> <a class="opinion-story-filter" href="?story__id__exact={}&amp;status=all" '
            'title="Every opinion on this story">(all)</a>',
            reverse("admin:stories_story_change", args=[opinion.story_id]),
            opinion.story.title,
            opinion.story_id,
        )

    @admin.display(description="opinion")
    def summary(self, opinion):
        """The queue's main column: the text, then its author (linking to the opinion's page), story and flags."""
        flags = [opinions.FLAG_LABELS.get(flag, flag) for flag in opinion.flags or []]
        return format_html(
            '{}<span class="opinion-meta">by <a href="{}">{}</a>{} · on {}{}</span>',
            self.excerpt(opinion),
            reverse("admin:stories_opinion_change", args=[opinion.pk]),
            opinion.author_name,
            format_html(' <span class="opinion-email">{}</span>', opinion.email) if opinion.email else "",
            self.story_link(opinion),
            format_html_join("", ' <span class="opinion-flag">{}</span>', ((flag,) for flag in flags)),
        )

    @admin.display(description="opinion")
    def excerpt(self, opinion):
        return format_html('<span class="opinion-excerpt">{}</span>', Truncator(opinion.body).chars(300))

    @admin.display(description="text")
    def body_text(self, opinion):
        return format_html('<div class="opinion-fulltext">{}</div>', opinion.body)

    @admin.display(description="age", ordering="created_at")
    def age(self, opinion):
        when = timezone.localtime(opinion.created_at)
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            when.isoformat(),
            format_local(when),
            timesince(opinion.created_at, depth=1),
        )

    @admin.display(description="flags")
    def flag_list(self, opinion):
        flags = [opinions.FLAG_LABELS.get(flag, flag) for flag in opinion.flags or []]
        if not flags:
            return "—"
        return format_html_join(" ", '<span class="opinion-flag">{}</span>', ((flag,) for flag in flags))

    def _quick_actions_column(self, request):
        # The buttons submit the changelist's own form (it carries the CSRF token) to the
        # moderate view; a form of their own would be a form nested in a form.
        back = request.GET.urlencode()

        @admin.display(description="decide")
        def quick_actions(opinion):
            url = reverse("admin:stories_opinion_moderate", args=[opinion.pk])
            if back:
                url += "?" + urlencode({"_changelist_filters": back})
            return format_html_join(
                "",
                '<button type="submit" class="button opinion-decide opinion-decide-{}" formaction="{}" '
                'formmethod="post" name="decision" value="{}" aria-label="{} the opinion by {}">{}</button>',
                (
                    (decision, url, decision, label, opinion.author_name, label)
                    for decision, label in workflow.MODERATION_DECISIONS.items()
                    if decision != opinion.status
                ),
            )

        return quick_actions

    # --- Page titles and counts ---

    def changelist_view(self, request, extra_context=None):
        status = request.GET.get(OpinionStatusFilter.parameter_name) or OpinionStatus.PENDING
        if status == OpinionStatus.PENDING:
            title = "Opinions waiting for a moderator"
        elif status in OpinionStatus.values:
            title = f"{OpinionStatus(status).label} opinions"
        else:
            title = "All opinions"
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    # --- Decisions ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/moderate/",
                self.admin_site.admin_view(self.moderate_view),
                name="stories_opinion_moderate",
            ),
            *super().get_urls(),
        ]

    def moderate_view(self, request, object_id):
        """One decision from a row's button (or the opinion's page), then back to the queue."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        opinion = self.get_object(request, unquote(object_id))
        if opinion is None:
            raise Http404("No such opinion.")
        self._decide(request, [opinion], request.POST.get("decision", ""))
        url = reverse("admin:stories_opinion_changelist")
        back = request.GET.get("_changelist_filters", "")
        return HttpResponseRedirect(f"{url}?{back}" if back else url)

    @admin.action(
        description="Approve", description_plural="Approve selected opinions", permissions=["moderate"], location=_BOTH
    )
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, OpinionStatus.APPROVED)

    @admin.action(
        description="Reject", description_plural="Reject selected opinions", permissions=["moderate"], location=_BOTH
    )
    def reject_selected(self, request, queryset):
        self._decide(request, queryset, OpinionStatus.REJECTED)

    @admin.action(
        description="Mark as spam",
        description_plural="Mark selected opinions as spam",
        permissions=["moderate"],
        location=_BOTH,
    )
    def spam_selected(self, request, queryset):
        self._decide(request, queryset, OpinionStatus.SPAM)

    def _decide(self, request, selected, decision):
        done = 0
        try:
            for opinion in selected:
                workflow.moderate(opinion, request.user, decision)
                done += 1
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "You may not moderate opinions.")
            return
        except workflow.TransitionError as exc:
            messages.error(request, " ".join(exc.messages))
            return
        verb = {
            OpinionStatus.APPROVED: "approved: now shown on the story",
            OpinionStatus.REJECTED: "rejected",
            OpinionStatus.SPAM: "marked as spam",
        }[decision]
        noun = "opinion" if done == 1 else "opinions"
        messages.success(request, f"{done} {noun} {verb}.")


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin):
    """The site's one policy row: its list page opens the row itself."""

    list_display = ["__str__", "link_limit", "banned_word_action", "close_after_days"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ModerationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = ModerationPolicy.objects.order_by("pk").first()
        if policy is not None and self.has_view_or_change_permission(request, policy):
            return HttpResponseRedirect(reverse("admin:stories_moderationpolicy_change", args=[policy.pk]))
        if policy is None and self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:stories_moderationpolicy_add"))
        return super().changelist_view(request, extra_context)


@admin.register(BannedWord)
class BannedWordAdmin(admin.ModelAdmin):
    form = BannedWordForm
    list_display = ["word"]
    search_fields = ["word"]
