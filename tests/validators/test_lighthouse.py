"""Lighthouse's SEO audit (npm `lighthouse`, in headless Chromium) scores 100 on the demo's front page, a
section and a story, served by a live server."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from .conftest import NODE_MODULES, seed_demo_newsroom

LIGHTHOUSE = NODE_MODULES / "lighthouse" / "cli" / "index.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def seo_audit(url: str) -> dict:
    """Lighthouse's report of `url` (SEO category only)."""
    result = subprocess.run(
        [
            shutil.which("node") or "node",
            str(LIGHTHOUSE),
            url,
            "--only-categories=seo",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def _failed(report) -> list[str]:
    category = report["categories"]["seo"]
    audits = report["audits"]
    return [
        f"{ref['id']}: {audits[ref['id']]['title']} ({audits[ref['id']].get('displayValue', '')})"
        for ref in category["auditRefs"]
        if ref["weight"] and audits[ref["id"]]["score"] not in (1, None)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_front_page_a_section_and_a_story_score_100_for_seo(live_server, settings, tmp_path):
    if not LIGHTHOUSE.exists():
        pytest.fail(f"lighthouse is missing: run `npm ci --prefix tests/browser` ({LIGHTHOUSE})")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (scripts/ensure-chromium).")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = live_server.url  # canonical links on the host Lighthouse visits
    demo = seed_demo_newsroom(settings.MEDIA_ROOT)
    pages = {
        "home": reverse("stories:home"),
        "section": demo["reader"]["section"],
        "story": demo["reader"]["story-with-image"],
    }
    scores = {}
    for name, path in pages.items():
        report = seo_audit(live_server.url + path)
        scores[name] = (report["categories"]["seo"]["score"], _failed(report))
    assert scores == {name: (1, []) for name in pages}
