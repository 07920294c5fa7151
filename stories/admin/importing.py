"""The admin's "Import stories" page: editors upload plain-text documents and see what became of each."""

from django import forms
from django.contrib.admin.widgets import AdminRadioSelect
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from .. import workflow
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


def _import_uploads(uploads, *, publish: bool, user, approve_opinions: bool = False) -> list[ImportResult]:
    """One result per uploaded file, in order; files that are not documents are refused unread."""
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
    return import_files(entries, publish=publish, user=user, approve_opinions=approve_opinions)


def may_use(user) -> bool:
    """The page offers both modes, drafts and published: it is for those who may use both (editors)."""
    return workflow.may_import(user, publish=True)


def import_stories(model_admin, request):
    """The Import page (StoryAdmin.get_urls wires it under the story list)."""
    if not may_use(request.user):
        raise PermissionDenied
    results = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            publish = form.cleaned_data["mode"] == ImportForm.PUBLISH
            results = _import_uploads(
                form.cleaned_data["files"],
                publish=publish,
                user=request.user,
                approve_opinions=form.cleaned_data["approve_opinions"],
            )
            form = ImportForm(initial={"mode": form.cleaned_data["mode"]}, user=request.user)
    else:
        form = ImportForm(user=request.user)

    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import stories",
        "opts": Story._meta,
        "form": form,
        "results": results,
        "summary": tally(results) if results is not None else None,
    }
    return TemplateResponse(request, "admin/stories/import.html", context)
