"""Import plain-text story documents (files, or folders searched for *.txt)."""

from itertools import batched
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from stories import workflow
from stories.ingest import CREATED, FAILED, UPDATED, ImportResult, import_files, tally

# Documents written together in a few queries (see stories/ingest.py); each is still all
# or nothing. Bigger groups save little more and keep the database locked longer.
GROUP_SIZE = 100


class Command(BaseCommand):
    help = (
        "Import plain-text story documents. PATHs are files or folders (searched recursively for *.txt). "
        "Stories are drafts unless --publish is given; their opinions wait for a moderator unless "
        "--approve-opinions is given. Each document is imported whole or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A document, or a folder of *.txt documents.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish each story at its document's date (1 to 5 highlights required).",
        )
        parser.add_argument(
            "--approve-opinions",
            action="store_true",
            help=(
                "Import the documents' opinions approved, shown on their stories at once, with the acting person "
                "as their moderator (the system, or --as-user someone who may moderate opinions). "
                "Default: they wait for a moderator."
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the documents; write nothing.")
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="Act as this person (byline, audit trail, rights). Default: the system.",
        )

    def handle(self, *args, paths, publish, approve_opinions, dry_run, as_user, **options):
        user = self.acting_user(as_user, publish, approve_opinions)
        files, missing = find_documents(paths)
        results = [ImportResult(str(path), FAILED, message="no such file or folder") for path in missing]
        for error in results:
            self.stderr.write(error.error_text())

        progress = len(files) > 1 and self.stderr.isatty() and options["verbosity"] > 0
        done = 0
        for batch in batched(files, GROUP_SIZE):
            entries = []
            for path in batch:
                try:
                    entries.append((str(path), path.read_bytes()))
                except OSError as exc:
                    entries.append(ImportResult(str(path), FAILED, message=exc.strerror or str(exc)))
            imported = import_files(
                entries, publish=publish, user=user, dry_run=dry_run, approve_opinions=approve_opinions
            )
            for result in imported:
                results.append(result)
                self.report(result, progress, options["verbosity"], dry_run)
            done += len(batch)
            if progress:
                self.stderr.write(f"\rImporting {done}/{len(files)}", ending="")
        self.clear_progress(progress)

        counts = tally(results)
        created, updated, failed = counts[CREATED], counts[UPDATED], counts[FAILED]
        if dry_run:
            summary = f"Dry run, nothing written: would import {created}, update {updated}; failed {failed}"
        else:
            summary = f"Imported {created}, updated {updated}, failed {failed}"
        if not results:
            summary += " (no .txt documents found)"
        self.stdout.write(self.style.ERROR(summary) if failed else self.style.SUCCESS(summary))
        if failed:
            raise CommandError(f"{failed} document{'s' if failed != 1 else ''} failed to import.")

    def report(self, result, progress, verbosity, dry_run):
        if result.failed:
            self.clear_progress(progress)
            self.stderr.write(self.style.ERROR(result.error_text()))
        elif result.changed_published and verbosity > 0:
            # Readers see this change at once: say so whatever the verbosity, story by story.
            self.clear_progress(progress)
            if dry_run:
                self.stdout.write(f"{result.name}: would update the published story {result.story.slug} at once")
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"{result.name}: updated the published story {result.story.slug} at once; "
                        "a revision keeps the text it replaced and the audit trail records the import"
                    )
                )
        elif verbosity > 1:
            self.clear_progress(progress)
            self.stdout.write(f"{result.name}: {result.action} {result.story.slug if result.story else ''}".rstrip())

    def acting_user(self, username, publish, approve_opinions):
        if username is None:
            return None  # the system: rights are not checked
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"{username} is not an active user.")
        if not workflow.may_import(user):
            raise CommandError(f"{username} may not create stories.")
        if not workflow.may_import(user, publish=publish):
            raise CommandError(f"{username} may not publish stories (--publish needs an editor).")
        if approve_opinions and not workflow.may_approve_imported_opinions(user):
            raise CommandError(
                f"{username} may not moderate opinions (--approve-opinions needs a moderator); nothing was imported."
            )
        return user

    def clear_progress(self, progress):
        if progress:
            self.stderr.write("\r\033[K", ending="")


def find_documents(paths) -> tuple[list[Path], list[Path]]:
    """Files named on the command line, and *.txt files under named folders (sorted); plus what does not exist."""
    files, missing, seen = [], [], set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".txt" and p.is_file())
        elif path.is_file():
            found = [path]
        else:
            missing.append(path)
            continue
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                files.append(file)
    return files, missing
