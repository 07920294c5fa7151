"""The planning desk: assignments, the budget board, the moves' pages and each person's calendar feed.

The budget (`AssignmentAdmin.budget_view`) lists what is due today and the next days, by day then desk, in a
fixed number of queries. Every member of staff who may see stories reads it; the buttons a person sees are the
moves the workflow allows them (stories/workflow/planning.py holds the rules). A person's calendar is a signed
address (`calendar_token`) that calendar apps read without logging in.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.signing import BadSignature, Signer
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify

from .. import workflow
from ..dates import format_local, format_time
from ..models import Assignment, AssignmentEvent, AssignmentState, Section, display_name

State = AssignmentState
# Today and the next two days: the news meeting's horizon, and at 2,000 open assignments the longest window the
# admin renders within its budget (a week: about 0.5 s). `?days=` shows up to MAX_DAYS.
DEFAULT_DAYS = 3
MAX_DAYS = 31
DUE_SOON = timedelta(hours=2)


# --- The calendar feed's address -------------------------------------------------------------------------

CALENDAR_SALT = "stories.calendar"


def _signer(person) -> Signer:
    # The salt carries the person's password hash, as Django's password-reset tokens do: changing the
    # password revokes every calendar address given before.
    return Signer(salt=f"{CALENDAR_SALT}:{person.password}")


def calendar_token(person) -> str:
    """The private token of `person`'s calendar address (valid until their password changes)."""
    return _signer(person).sign(str(person.pk))


def calendar_url(request, person) -> str:
    return request.build_absolute_uri(reverse("assignment-calendar", args=[calendar_token(person)]))


def person_for_token(token: str):
    """The active member of staff a calendar token names, or None (tampered, revoked or unknown)."""
    pk, _, _signature = token.partition(":")
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
        return None
    person = get_user_model().objects.filter(pk=int(pk), is_active=True, is_staff=True).first()
    if person is None:
        return None
    try:
        if _signer(person).unsign(token) != pk:
            return None
    except BadSignature:
        return None
    return person


def calendar_feed(request, token):
    """The person's assignments as an iCalendar feed: one event per assignment with a due time, at that time."""
    import icalendar  # only this page needs it

    person = person_for_token(token)
    if person is None or not workflow.may_pitch(person):
        raise Http404("No such calendar.")
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Assignments//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{settings.SITE_NAME}: {display_name(person)}’s assignments")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    budget = reverse("admin:stories_assignment_budget")
    site = settings.SITE_URL.rstrip("/")
    host = site.split("://", 1)[-1].split("/", 1)[0] or "newsroom"
    assignments = (
        Assignment.objects.filter(assignee=person, due_at__isnull=False)
        .exclude(state=State.DECLINED)
        .select_related("desk")
        .order_by("due_at", "pk")
    )
    stamp = timezone.now()
    for assignment in assignments:
        event = icalendar.Event()
        # One identifier per assignment, whatever changes: calendar apps update the event in place.
        event.add("uid", f"assignment-{assignment.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", assignment.due_at.astimezone(zone))
        event.add("duration", timedelta(minutes=15))
        event.add("summary", f"Due: {assignment.title}")
        details = [f"Desk: {assignment.desk.name}" if assignment.desk else "No desk"]
        if assignment.planned_words:
            details.append(f"Planned: {assignment.planned_words} words")
        if assignment.notes:
            details.append(assignment.notes)
        event.add("description", "\n".join(details))
        event.add("url", site + budget)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- The board -------------------------------------------------------------------------------------------


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return display_name(obj)


class BudgetFilter(django_filters.FilterSet):
    desk = django_filters.ModelChoiceFilter(queryset=Section.objects.all(), empty_label="All desks")
    assignee = django_filters.ModelChoiceFilter(
        queryset=lambda request: workflow.assignable_people(),
        field_name="assignee",
        label="Person",
        empty_label="Everyone",
    )
    state = django_filters.ChoiceFilter(choices=State.choices, empty_label="Any state")

    class Meta:
        model = Assignment
        fields = ["desk", "assignee", "state"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["assignee"].label_from_instance = display_name


@dataclass
class Line:
    assignment: Assignment
    story_status: str = ""
    mark: str = ""  # "Overdue", "Due soon" or ""
    moves: list = field(default_factory=list)  # (name, label, address) of the buttons
    url: str = ""  # the story's page once started, else the assignment's
    # What the line writes, made here once: 2,000 lines through the template's filters took most of the board's time.
    due_iso: str = ""
    due_time: str = ""  # "3:05 PM"
    due_day_time: str = ""  # "Fri Dec 4, 3:05 PM"
    assignee: str = ""
    state_label: str = ""
    notes: str = ""
    mark_class: str = ""


def _texts(line: Line) -> Line:
    a = line.assignment
    if a.due_at:
        due = timezone.localtime(a.due_at)
        line.due_iso, line.due_time = due.isoformat(), format_time(due)
        line.due_day_time = f"{due:%a %b} {due.day}, {line.due_time}"
    line.assignee = display_name(a.assignee) if a.assignee_id else ""
    line.state_label = a.get_state_display()
    line.notes = Truncator(a.notes).chars(160) if a.notes else ""
    line.mark_class = f"budget-{slugify(line.mark)}" if line.mark else ""
    return line


@dataclass
class Desk:
    name: str
    lines: list[Line]


@dataclass
class Day:
    label: str
    desks: list[Desk]


def story_status(assignment: Assignment) -> str:
    """What the budget shows of an assignment's story: its own status, never a copy of it."""
    story = assignment.story
    if story is None:
        return ""
    if story.is_scheduled:
        return f"Scheduled for {format_local(story.published_at)}"
    return story.get_status_display()


def mark_of(assignment: Assignment, now) -> str:
    if assignment.due_at is None or not workflow.is_open(assignment):
        return ""
    if assignment.due_at < now:
        return "Overdue"
    if assignment.due_at <= now + DUE_SOON:
        return "Due soon"
    return ""


# The board's buttons, by move (workflow.moves).
MOVE_LABELS = {"start": "Start story", "decline": "Decline…"}


def _move_label(name: str, assignment: Assignment) -> str:
    if name == "assign":
        return "Reassign…" if assignment.state == State.ASSIGNED else "Assign…"
    return MOVE_LABELS[name]


def budget_lines(user, assignments, now) -> list[Line]:
    # Each address reversed once and filled in per line: a template's {% url %} for each of 2,000 lines was
    # a third of the board's time.
    story_url = reverse("admin:stories_story_change", args=[0]).replace("/0/", "/{}/")
    assignment_url = reverse("admin:stories_assignment_change", args=[0]).replace("/0/", "/{}/")
    move_url = reverse("admin:stories_assignment_move", args=[0, "x"]).replace("/0/move/x/", "/{}/move/{}/")
    # The budget is the newsroom's, but a story is opened only by who may read it (workflow.stories_seen_by): a
    # writer's line of someone else's draft leads to the assignment, not to a story page they would get a 404 on.
    sees_all = workflow.stories_seen_by(user) == "all"
    lines = []
    for a in assignments:
        opens_story = a.story_id and (sees_all or a.assignee_id == user.pk)
        url = story_url.format(a.story_id) if opens_story else assignment_url.format(a.pk)
        moves = [(name, _move_label(name, a), move_url.format(a.pk, name)) for name in workflow.moves(user, a)]
        lines.append(_texts(Line(a, story_status(a), mark_of(a, now), moves, url)))
    return lines


def budget_days(lines: list[Line], start: datetime, days: int) -> list[Day]:
    """Lines grouped by day (today first, each of the `days`) and then by desk, in the desks' order."""
    grouped: dict = {}
    for line in lines:
        due = timezone.localtime(line.assignment.due_at).date()
        grouped.setdefault(due, {}).setdefault(line.assignment.desk, []).append(line)
    result = []
    for offset in range(days):
        day = (start + timedelta(days=offset)).date()
        label = "Today" if offset == 0 else "Tomorrow" if offset == 1 else ""
        label = f"{label}, {day:%A %b %-d}" if label else f"{day:%A %b %-d}"
        desks = grouped.get(day, {})
        ordered = sorted(desks, key=lambda d: (d is None, d.position if d else 0, d.name if d else ""))
        result.append(Day(label, [Desk(d.name if d else "No desk", desks[d]) for d in ordered]))
    return result


def today_start(now=None):
    return timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)


# --- The moves' forms ------------------------------------------------------------------------------------


class DueInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


class AssignForm(forms.Form):
    assignee = PersonChoice(queryset=workflow.assignable_people(), label="Writer")
    due_at = forms.DateTimeField(
        label="Due", widget=DueInput(), help_text=f"In the newsroom’s time ({settings.TIME_ZONE})."
    )
    comment = forms.CharField(label="Note to the writer", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workflow.assignable_people()


class DeclineForm(forms.Form):
    comment = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}))


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["title", "desk", "planned_words", "priority", "due_at", "notes"]
        widgets = {"due_at": DueInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True


class AssignmentEventInline(admin.TabularInline):
    model = AssignmentEvent
    fields = ["created_at", "from_state", "to_state", "actor", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "move"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Assignments: the list, the pitch form, the budget board and the pages of the moves.

    Pitching is the add form (workflow.pitch); the state, assignee and story change only through the moves.
    """

    form = AssignmentForm
    list_display = ["title", "desk", "assignee_name", "due_at", "state", "story"]
    list_filter = ["state", "desk"]
    list_select_related = ["desk", "assignee", "story"]
    search_fields = ["title", "notes"]
    readonly_fields = ["state", "assignee_name", "story", "created_by"]
    inlines = [AssignmentEventInline]

    @admin.display(description="assignee", ordering="assignee__first_name")
    def assignee_name(self, obj):
        return display_name(obj.assignee) if obj.assignee else "—"

    def has_module_permission(self, request):
        return workflow.may_see_board(request.user)

    def has_view_permission(self, request, obj=None):
        return workflow.may_see_board(request.user)

    def has_add_permission(self, request):
        return workflow.may_pitch(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return workflow.may_plan(request.user)
        return workflow.may_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        pitched = workflow.pitch(
            request.user,
            data["title"],
            desk=data.get("desk"),
            notes=data.get("notes", ""),
            planned_words=data.get("planned_words"),
            due_at=data.get("due_at"),
            priority=data.get("priority") or Assignment._meta.get_field("priority").default,
        )
        obj.pk = pitched.pk
        obj._state.adding = False

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, f"Pitched “{obj.title}”. An editor will assign or decline it.")
        return HttpResponseRedirect(reverse("admin:stories_assignment_budget"))

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("budget/", view(self.budget_view), name="{}_{}_budget".format(*info)),
            path("<path:object_id>/move/<str:name>/", view(self.move_view), name="{}_{}_move".format(*info)),
            *super().get_urls(),
        ]

    def budget_view(self, request):
        """The story budget: what is due today and the next days, by day and desk, with the filters."""
        if not workflow.may_see_board(request.user):
            raise PermissionDenied
        days = _days(request.GET.get("days"))
        now = timezone.now()
        start = today_start(now)
        end = start + timedelta(days=days)
        filters = BudgetFilter(request.GET, queryset=Assignment.objects.for_board())
        planned = filters.qs if filters.is_valid() else Assignment.objects.none()
        if not request.GET.get("state"):
            planned = planned.open()
        ahead = list(planned.due_between(start, end))
        # Open work whose time has passed stays on top until it is filed or declined.
        overdue = list(
            planned.filter(due_at__lt=start, state__in=[State.PITCHED, State.ASSIGNED]).order_by("due_at", "pk")
        )
        undated = list(planned.filter(due_at__isnull=True, state=State.PITCHED).order_by("created_at", "pk"))
        user = request.user
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Story budget",
            "filters": filters,
            "days": days,
            "overdue": budget_lines(user, overdue, now),
            "schedule": budget_days(budget_lines(user, ahead, now), start, days),
            "undated": budget_lines(user, undated, now),
            "can_pitch": workflow.may_pitch(user),
            "calendar_url": calendar_url(request, user) if workflow.may_pitch(user) else None,
            "printing": request.GET.get("print") == "1",
            "time_zone": settings.TIME_ZONE,
        }
        return TemplateResponse(request, "admin/stories/assignment/budget.html", context)

    def move_view(self, request, object_id, name):
        """Assign, decline (a form each) or start the story (a button on the board) of one assignment."""
        if name not in {"assign", "decline", "start"}:
            raise Http404("No such move.")
        assignment = self.get_object(request, object_id)
        if assignment is None or not workflow.may_see_board(request.user):
            raise Http404("No such assignment.")
        board = reverse("admin:stories_assignment_budget")
        if name == "start":
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            try:
                story = workflow.start_story(assignment, request.user)
            except PermissionDenied as exc:
                messages.error(request, str(exc) or "You may not do that.")
                return HttpResponseRedirect(board)
            except workflow.TransitionError as exc:
                messages.error(request, " ".join(exc.messages))
                return HttpResponseRedirect(board)
            messages.success(request, f"Started “{story.title}”: it is your draft now.")
            return HttpResponseRedirect(reverse("admin:stories_story_change", args=[story.pk]))
        if not workflow.may_plan(request.user):
            raise PermissionDenied
        form_class = AssignForm if name == "assign" else DeclineForm
        initial = {"assignee": assignment.assignee_id, "due_at": assignment.due_at} if name == "assign" else {}
        form = form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if name == "assign":
                    workflow.assign(assignment, request.user, data["assignee"], data["due_at"], data["comment"])
                    done = f"Assigned “{assignment.title}” to {display_name(data['assignee'])}."
                else:
                    workflow.decline(assignment, request.user, data["comment"])
                    done = f"Declined “{assignment.title}”."
            except workflow.TransitionError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(board)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{'Assign' if name == 'assign' else 'Decline'} “{assignment.title}”",
            "assignment": assignment,
            "form": form,
            "button": "Assign" if name == "assign" else "Decline",
        }
        return TemplateResponse(request, "admin/stories/assignment/move.html", context)


def _days(value) -> int:
    if value and value.isascii() and value.isdigit() and len(value) <= 3:
        return min(max(int(value), 1), MAX_DAYS)
    return DEFAULT_DAYS
