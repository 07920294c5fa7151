"""The Content-Security-Policy header: the site's policy, built once, is the one Django's middleware builds."""

import re

import pytest
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.test import RequestFactory, override_settings
from django.utils.csp import CSP, build_policy
from django.views.decorators.csp import csp_override

from newsroom.middleware import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db


def _served(view):
    request = RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(view)
    middleware.process_request(request)
    return middleware.process_response(request, view(request))


def _with_nonce(request):
    return HttpResponse(f'<script nonce="{get_nonce(request)}"></script>')


def test_a_page_with_a_nonce_gets_the_policy_django_builds_with_its_nonce(settings):
    response = _served(_with_nonce)
    nonce = re.search(r'nonce="([^"]+)"', response.text).group(1)
    assert response[CSP.HEADER_ENFORCE] == build_policy(settings.SECURE_CSP, nonce)
    assert f"'nonce-{nonce}'" in response[CSP.HEADER_ENFORCE]
    # Every response its own nonce, in its own header.
    other = _served(_with_nonce)
    assert other[CSP.HEADER_ENFORCE] != response[CSP.HEADER_ENFORCE]


def test_a_page_without_a_nonce_gets_the_policy_without_one(settings):
    response = _served(lambda request: HttpResponse("plain"))
    assert response[CSP.HEADER_ENFORCE] == build_policy(settings.SECURE_CSP)
    assert "nonce" not in response[CSP.HEADER_ENFORCE]


def test_a_changed_setting_changes_the_policy():
    _served(_with_nonce)
    with override_settings(SECURE_CSP={"default-src": [CSP.NONE]}, SECURE_CSP_REPORT_ONLY={"img-src": [CSP.SELF]}):
        response = _served(_with_nonce)
        assert response[CSP.HEADER_ENFORCE] == "default-src 'none'"
        assert response[CSP.HEADER_REPORT_ONLY] == "img-src 'self'"
    response = _served(_with_nonce)
    assert response[CSP.HEADER_ENFORCE].startswith("default-src 'self'")
    assert CSP.HEADER_REPORT_ONLY not in response


def test_a_view_with_a_policy_of_its_own_keeps_it():
    own = csp_override({"default-src": [CSP.SELF], "frame-src": ["https://maps.example"]})(
        lambda request: HttpResponse("map")
    )
    response = _served(own)
    assert response[CSP.HEADER_ENFORCE] == "default-src 'self'; frame-src https://maps.example"
