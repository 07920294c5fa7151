"""The Nu HTML Checker (vnu.jar, from npm) over every kind of public page and the desk pages we own: no error,
no warning.

The checker starts once (a Java process) for every page, saved to files. Messages about markup of Django's
stock admin templates, which we cannot change, are listed in DJANGO_ADMIN_MARKUP with the reason; nothing else
is let through.
"""

import json
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model

from .conftest import NODE_MODULES

VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Messages about Django's stock admin templates, let through only where that template's markup is: (the message,
# the first and last line of the markup, as found in the page, and why it stays).
DJANGO_ADMIN_MARKUP = [
    (
        "A table row was 2 columns wide, which is less than the column count established by the first row (3).",
        '<nav class="sticky" id="nav-sidebar"',
        "</nav>",
        "django/contrib/admin/templates/admin/app_list.html in the navigation sidebar: its hidden header names "
        "three columns (model, add link, change link) and the sidebar leaves the change link out "
        "(show_changelinks is off there).",
    ),
]


def check_html(pages: dict[str, bytes], folder) -> list[dict]:
    """vnu's messages (errors and warnings) about each page, each with the page's name."""
    if shutil.which("java") is None:
        pytest.fail("Java is needed for the Nu HTML Checker (vnu.jar): install a JRE (Java 11 or newer).")
    if not VNU.exists():
        pytest.fail(f"vnu.jar is missing: run `npm ci --prefix tests/browser` ({VNU})")
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, content in pages.items():
        path = folder / f"{name}.html"
        path.write_bytes(content)
        files.append(str(path))
    result = subprocess.run(
        ["java", "-Xss1m", "-jar", str(VNU), "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Errors and warnings; plain "info" messages (e.g. a void element's trailing slash) are neither.
    messages = [
        m for m in json.loads(result.stdout)["messages"] if m["type"] != "info" or m.get("subType") == "warning"
    ]
    for message in messages:
        message["page"] = message.get("url", "").rsplit("/", 1)[-1].removesuffix(".html")
    return messages


def _shown(messages) -> str:
    return "\n".join(
        f"{m['page']}:{m.get('lastLine', '?')}: {m['type']}{'/' + m['subType'] if m.get('subType') else ''}: "
        f"{m['message']}  [{(m.get('extract') or '').strip()[:100]}]"
        for m in messages
    )


def _lines_of(content: bytes, first: str, last: str) -> range:
    """The lines of the page from the one holding `first` to the next holding `last`."""
    lines = content.decode().splitlines()
    start = next((n for n, line in enumerate(lines, 1) if first in line), None)
    if start is None:
        return range(0)
    end = next((n for n, line in enumerate(lines[start - 1 :], start) if last in line), start)
    return range(start, end + 1)


def _from_django_admin(message, pages) -> bool:
    line = message.get("lastLine", 0)
    return any(
        text == message["message"] and line in _lines_of(pages[message["page"]], first, last)
        for text, first, last, _why in DJANGO_ADMIN_MARKUP
    )


def test_every_public_page_and_desk_page_is_valid_html(client, demo, tmp_path, desk_client):
    # The reader pages first, as an anonymous visitor; then the desk, logged in (desk_client is `client`).
    client.logout()
    pages = {}
    for name, path in demo["reader"].items():
        response = client.get(path)
        assert response.status_code == {"not-found": 404, "gone": 410}.get(name, 200), path
        pages[name] = response.content
    for number, path in enumerate(demo["stories"]):
        pages[f"story-{number}"] = client.get(path).content
    desk_client.force_login(get_user_model().objects.get(username="admin"))
    for name, path in demo["desk"].items():
        response = desk_client.get(path)
        assert response.status_code == 200, path
        pages[f"desk-{name}"] = response.content

    messages = check_html(pages, tmp_path / "pages")

    reader = [m for m in messages if not m["page"].startswith("desk-")]
    desk = [m for m in messages if m["page"].startswith("desk-") and not _from_django_admin(m, pages)]
    assert not reader, "\n" + _shown(reader)
    assert not desk, "\n" + _shown(desk)
