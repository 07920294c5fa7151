"""Uploaded images under `make run`: the site serves them from MEDIA_ROOT (SERVE_MEDIA), as images and nothing else,
and never outside it; production settings leave them to the web server or an object store."""

import pytest
from django.core.checks import Tags, run_checks

from harness.servers import PRODUCTION_ENV, run_manage
from stories.models import Story
from tests.factories import StoryFactory
from tests.story_admin_helpers import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    """MEDIA_ROOT in a folder of the test's own, served by the site, with a secret file beside it."""
    root = tmp_path / "media"
    root.mkdir()
    (tmp_path / "secret.png").write_bytes(b"not for readers")
    settings.MEDIA_ROOT = root
    settings.SERVE_MEDIA = True
    return root


@pytest.fixture
def pictured(media):
    """A published story with a lead image, stored as the desk stores an upload."""
    story = StoryFactory(published=True, lead_image_alt="A tram at dusk")
    story.lead_image.save("tram.png", png_upload("tram.png"))
    return Story.objects.get(pk=story.pk)


def test_a_lead_image_loads_at_its_address_as_an_image(client, pictured):
    response = client.get(pictured.lead_image.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    with pictured.lead_image.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()


def test_the_reader_page_points_at_the_served_image(client, pictured):
    html = client.get(pictured.get_absolute_url()).content.decode()
    assert f'src="{pictured.lead_image.url}"' in html
    assert pictured.lead_image.url.startswith("/media/lead-images/")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<script>alert(1)</script>"),
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("notes.txt", b"private notes"),
    ],
)
def test_a_file_that_is_not_an_image_is_not_served(client, media, name, content):
    (media / name).write_bytes(content)
    response = client.get(f"/media/{name}")
    assert response.status_code == 404
    assert content not in response.content


@pytest.mark.parametrize(
    "path", ["/media/../secret.png", "/media/%2e%2e/secret.png", "/media/..%2fsecret.png", "/media//etc/hosts.png"]
)
def test_nothing_outside_the_uploads_folder_is_served(client, media, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert b"not for readers" not in response.content


def test_a_folder_is_not_listed(client, pictured):
    folder = pictured.lead_image.url.rsplit("/", 1)[0]
    assert client.get(folder + "/").status_code == 404
    assert client.get(folder + ".png").status_code == 404


def test_a_missing_image_is_a_404(client, media):
    assert client.get("/media/lead-images/2026/01/gone.png").status_code == 404


def test_with_serve_media_off_the_site_serves_no_upload(client, pictured, settings):
    settings.SERVE_MEDIA = False
    assert client.get(pictured.lead_image.url).status_code == 404


def test_production_settings_leave_uploads_to_the_web_server():
    script = "from django.conf import settings; print('SERVE_MEDIA', settings.SERVE_MEDIA)"
    production = run_manage("shell", "-c", script, env_extra=PRODUCTION_ENV)
    assert "SERVE_MEDIA False" in production.stdout, production.stderr
    local = run_manage("shell", "-c", script, env_extra={"DEBUG": "on"})
    assert "SERVE_MEDIA True" in local.stdout, local.stderr


def test_the_deploy_check_warns_when_production_serves_uploads_itself(settings):
    settings.DEBUG, settings.SERVE_MEDIA = False, True
    [warning] = [m for m in run_checks(include_deployment_checks=True, tags=[Tags.security]) if m.id == "newsroom.W002"]
    assert "SERVE_MEDIA" in warning.msg and "web server" in warning.hint
    settings.SERVE_MEDIA = False
    assert not [m for m in run_checks(include_deployment_checks=True, tags=[Tags.security]) if m.id == "newsroom.W002"]
