from functools import partial

from django.middleware.csp import get_nonce
from django.utils.functional import SimpleLazyObject

from .visits import per_visit


def per_visit_values(request):
    """Django's `csrf_token` and `csp_nonce`, made through `pagecache.visits.per_visit`.

    Listed after Django's own processors, whose values these replace: a page
    served from the public cache then gets a token and a nonce of its own
    visit wherever a template uses them (`{% csrf_token %}`, `{{ csp_nonce }}`).
    """
    values = {"csrf_token": SimpleLazyObject(partial(per_visit, request, "csrf"))}
    if get_nonce(request) is not None:  # None without the CSP middleware: no nonce attribute is rendered
        values["csp_nonce"] = SimpleLazyObject(partial(per_visit, request, "csp-nonce"))
    return values
