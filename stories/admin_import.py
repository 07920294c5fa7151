"""The admin's "Import stories" page: editors upload plain-text documents and see what became of each."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminRadioSelect
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from . import workflow
from .ingest import CREATED, FAILED, UPDATED, ImportResult, import_files
from .models import Story

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


def may_import(user) -> bool:
    """Editors (and superusers): importing creates stories and may overwrite anyone's."""
    return user.has_perm("stories.add_story") and user.has_perm("stories.edit_any_story")


def _import_uploads(uploads, *, publish: bool, user) -> list[ImportResult]:
    """One result per uploaded file, in order; files that are not documents are refused unread."""
    results, readable, contents = [None] * len(uploads), [], []
    for index, upload in enumerate(uploads):
        if not upload.name.lower().endswith(".txt"):
            results[index] = ImportResult(upload.name, FAILED, message="not a .txt document")
        elif upload.size > MAX_DOCUMENT_BYTES:
            results[index] = ImportResult(
                upload.name, FAILED, message=f"larger than {MAX_DOCUMENT_BYTES // 1024} KB; is it a story?"
            )
        else:
            readable.append(index)
            contents.append((upload.name, upload.read()))
    for index, result in zip(readable, import_files(contents, publish=publish, user=user), strict=True):
        results[index] = result
    return results


def _import_stories(request):
    if not may_import(request.user):
        raise PermissionDenied
    results = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            publish = form.cleaned_data["mode"] == ImportForm.PUBLISH
            if publish and not workflow.is_editor(request.user):
                form.add_error("mode", "You may not publish stories; import them as drafts.")
            else:
                results = _import_uploads(form.cleaned_data["files"], publish=publish, user=request.user)
                form = ImportForm(initial={"mode": form.cleaned_data["mode"]})
    else:
        form = ImportForm()

    context = {
        **admin.site.each_context(request),
        "title": "Import stories",
        "opts": Story._meta,
        "form": form,
        "results": results,
    }
    if results is not None:
        context["summary"] = {
            "created": sum(r.action == CREATED for r in results),
            "updated": sum(r.action == UPDATED for r in results),
            "failed": sum(r.failed for r in results),
        }
    return TemplateResponse(request, "admin/stories/import.html", context)


import_stories_view = admin.site.admin_view(_import_stories)
