import pytest
from django.template.loader import render_to_string
from django.test import override_settings


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_unknown_page_is_our_own_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Go to the front page" in response.content.decode()


def test_500_page_renders_without_the_database():
    # No django_db mark: any query here would fail the test.
    html = render_to_string("500.html")
    assert "Something went wrong" in html


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_crash_shows_the_500_page_and_is_logged_once_with_the_path(client, caplog, settings):
    settings.ROOT_URLCONF = "tests.crash_urls"
    client.raise_request_exception = False
    with caplog.at_level("ERROR"):
        response = client.get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "/crash/" in errors[0].getMessage()
