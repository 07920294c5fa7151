"""Large imports leave the request: a batch of documents is imported by the background worker (`stories.tasks`).

The desk's Import page imports a few documents in the request, as before; a larger batch is handed to the
`import_batch` task and the editor follows it on a page of its own (`admin:stories_story_import_status`). The
task's result is one row per document, in JSON, from which the page shows the same table as an import in the
request. Under `make run` (Django's immediate backend) the task runs at once and the results show at once.
"""

import base64

from django.conf import settings
from django.contrib.auth import get_user_model
from django.tasks import task

from stories.ingest import ImportResult, import_files
from stories.models import Story


def in_request(count: int) -> bool:
    """Whether a batch of `count` documents is imported in the request rather than by the worker."""
    return count <= settings.IMPORT_IN_REQUEST


def queue(entries, *, publish: bool, user, approve_opinions: bool):
    """Hand (name, bytes) documents, or ImportResults refused unread, to the worker; the task's result."""
    documents = [
        {"name": entry.name, "refused": entry.message}
        if isinstance(entry, ImportResult)
        else {"name": entry[0], "content": base64.b64encode(entry[1]).decode("ascii")}
        for entry in entries
    ]
    return import_batch.enqueue(
        documents=documents, publish=publish, user_id=user.pk, approve_opinions=approve_opinions
    )


@task
def import_batch(documents: list[dict], publish: bool, user_id: int, approve_opinions: bool) -> list[dict]:
    """Import the documents as the person who queued them; one row per document (see `rows`)."""
    user = get_user_model().objects.get(pk=user_id)
    entries = [
        ImportResult(document["name"], "failed", message=document["refused"])
        if "refused" in document
        else (document["name"], base64.b64decode(document["content"]))
        for document in documents
    ]
    results = import_files(entries, publish=publish, user=user, approve_opinions=approve_opinions)
    return [
        {
            "name": result.name,
            "action": result.action,
            "story": result.story.pk if result.story else None,
            "message": result.message,
            "line": result.line,
            "changed_published": result.changed_published,
        }
        for result in results
    ]


def results_of(rows: list[dict]) -> list[ImportResult]:
    """The task's rows as ImportResults, with their stories as they are now (two queries in all)."""
    stories = Story.objects.in_bulk([row["story"] for row in rows if row["story"]])
    return [ImportResult(**{**row, "story": stories.get(row["story"])}) for row in rows]
