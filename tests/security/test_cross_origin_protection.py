"""The cross-origin check reads only unsafe methods: a page, a HEAD or a CORS preflight always passes."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from stories.crossorigin import cross_origin_protected


@cross_origin_protected
def view(request):
    return HttpResponse("the view ran")


CROSS_SITE = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_a_safe_request_from_another_site_reaches_the_view(method):
    request = getattr(RequestFactory(), method)("/", headers=CROSS_SITE)
    assert view(request).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_an_unsafe_request_from_another_site_never_reaches_the_view(method):
    request = getattr(RequestFactory(), method)("/", headers=CROSS_SITE)
    response = view(request)
    assert response.status_code == 403
    assert b"the view ran" not in response.content


def test_the_view_keeps_its_name_and_documentation():
    assert view.__name__ == "view"
    assert view.__wrapped__.__name__ == "view"
