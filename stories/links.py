"""Reader addresses, reversed once per process.

A page of twenty stories links to forty addresses (each story and its section), and
Django's `reverse` takes 15–25 µs for one: about a tenth of an uncached home page.
An address depends only on the URL name, its arguments, the URLconf and the script
prefix, so each is remembered under all four.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=8192)
def _reverse(viewname: str, args: tuple, urlconf: str, prefix: str) -> str:
    # `prefix` is part of the key only: reverse() reads the same script prefix itself.
    return reverse(viewname, args=args, urlconf=urlconf)


def reader_url(viewname: str, *args) -> str:
    """`reverse(viewname, args=args)` for the current URLconf and script prefix, remembered."""
    return _reverse(viewname, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
