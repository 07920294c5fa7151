"""Running `manage.py import_stories` from a test and reading what it said."""

import io

from django.core.management import CommandError, call_command


def run_import(*args):
    """(output, error output, the CommandError raised or None)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_stories", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def import_text(tmp_path, text, *flags):
    """Imports `text` as one document file; returns what run_import returns."""
    path = tmp_path / "tram.txt"
    path.write_text(text, encoding="utf-8")
    return run_import(path, *flags)
