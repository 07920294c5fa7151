"""The admin's "Import stories" page: editors upload plain-text documents and see what became of each."""

from django import forms
from django.contrib.admin.widgets import AdminRadioSelect
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.tasks import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.template.response import TemplateResponse
from django.urls import reverse

from .. import import_tasks, workflow
from ..ingest import FAILED, ImportResult, import_files, tally
from ..models import Story

# A story document is a few kilobytes; anything this large is the wrong file.
MAX_DOCUMENT_BYTES = 1024 * 1024


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input that accepts several files; cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,text/plain"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return [single(None, initial)]
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    """What to import and how; `user` is the person importing (the approval of opinions depends on them)."""

    DRAFT, PUBLISH = "draft", "publish"

    files = MultipleFileField(
        label="Documents",
        help_text="One or more plain-text story documents (.txt), up to 100 at a time.",
    )
    mode = forms.ChoiceField(
        label="Import as",
        choices=[
            (DRAFT, "Drafts, for the desk to edit"),
            (PUBLISH, "Published stories, at each document's date (1 to 5 highlights required)"),
        ],
        initial=DRAFT,
        widget=AdminRadioSelect(attrs={"class": "radiolist"}),
    )
    approve_opinions = forms.BooleanField(
        label="Approve their opinions",
        required=False,
        help_text=(
            "Imported opinions wait for a moderator. Tick this to show them on their stories at once, with you "
            "as their moderator: only for people who may moderate opinions."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Offered only to people who may use it; a hand-made request asking for it anyway is refused in clean().
        if not workflow.may_approve_imported_opinions(user):
            del self.fields["approve_opinions"]

    def clean(self):
        cleaned = super().clean()
        if "approve_opinions" not in self.fields:
            if self.data.get("approve_opinions"):
                raise forms.ValidationError(
                    "You may not moderate opinions, so nothing was imported: import them to wait for a moderator.",
                    code="may_not_moderate",
                )
            cleaned["approve_opinions"] = False
        return cleaned


def _read_uploads(uploads) -> list[tuple[str, bytes] | ImportResult]:
    """(name, content) per uploaded file, in order; files that are not documents are refused unread."""
    entries = []
    for upload in uploads:
        if not upload.name.lower().endswith(".txt"):
            entries.append(ImportResult(upload.name, FAILED, message="not a .txt document"))
        elif upload.size > MAX_DOCUMENT_BYTES:
            entries.append(
                ImportResult(
                    upload.name, FAILED, message=f"larger than {MAX_DOCUMENT_BYTES // 1024} KB; is it a story?"
                )
            )
        else:
            entries.append((upload.name, upload.read()))
    return entries


def may_use(user) -> bool:
    """The page offers both modes, drafts and published: it is for those who may use both (editors)."""
    return workflow.may_import(user, publish=True)


def _page(model_admin, request, **context):
    return TemplateResponse(
        request,
        "admin/stories/import.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Import stories",
            "opts": Story._meta,
            **context,
        },
    )


def import_stories(model_admin, request):
    """The Import page (StoryAdmin.get_urls wires it under the story list): a few documents are imported at once,
    a larger batch by the background worker (`stories.import_tasks`), followed on `import_status`."""
    if not may_use(request.user):
        raise PermissionDenied
    results = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            entries = _read_uploads(form.cleaned_data["files"])
            options = {
                "publish": form.cleaned_data["mode"] == ImportForm.PUBLISH,
                "user": request.user,
                "approve_opinions": form.cleaned_data["approve_opinions"],
            }
            if not import_tasks.in_request(len(entries)):
                queued = import_tasks.queue(entries, **options)
                if queued.is_finished:  # a backend that runs tasks at once (make run): its results, here
                    return _queued_page(model_admin, request, queued)
                return redirect(reverse("admin:stories_story_import_status", args=[queued.id]))
            results = import_files(entries, **options)
            form = ImportForm(initial={"mode": form.cleaned_data["mode"]}, user=request.user)
    else:
        form = ImportForm(user=request.user)
    return _page(
        model_admin,
        request,
        form=form,
        results=results,
        summary=tally(results) if results is not None else None,
    )


def import_status(model_admin, request, result_id):
    """A queued import, as its editor follows it: waiting or running (the page refreshes), then its results, or
    the failure. Only the person who queued it sees it."""
    if not may_use(request.user):
        raise PermissionDenied
    try:
        queued = import_tasks.import_batch.get_result(result_id)
    except (TaskResultDoesNotExist, ValueError, NotImplementedError):  # unknown, malformed, or nothing is kept
        raise Http404("No such import.") from None
    if queued.kwargs.get("user_id") != request.user.pk and not request.user.is_superuser:
        raise Http404("No such import.")
    return _queued_page(model_admin, request, queued)


def _queued_page(model_admin, request, queued):
    results = summary = None
    if queued.status == TaskResultStatus.SUCCESSFUL:
        results = import_tasks.results_of(queued.return_value)
        summary = tally(results)
    return _page(
        model_admin,
        request,
        form=ImportForm(user=request.user),
        queued=queued,
        queued_count=len(queued.kwargs.get("documents", [])),
        failed=queued.status == TaskResultStatus.FAILED,
        results=results,
        summary=summary,
    )
