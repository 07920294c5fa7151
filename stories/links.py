"""Reader addresses, reversed once per process; static files' addresses likewise.

A page of twenty stories links to forty addresses (each story and its section), and
Django's `reverse` takes 15–25 µs for one: about a tenth of an uncached home page.
An address depends only on the URL name, its arguments, the URLconf and the script
prefix, so each is remembered under all four.

Every reader page links to its style sheets and icon, seven to eight static addresses, and the hashed
storage's `url()` took 12 µs for each (the manifest's name, then joining it to STATIC_URL). One depends
only on the file, the storage's settings and the script prefix: remembered under the file and the prefix,
and forgotten when the static settings change (tests).
"""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=8192)
def _reverse(viewname: str, args: tuple, urlconf: str, prefix: str) -> str:
    # `prefix` is part of the key only: reverse() reads the same script prefix itself.
    return reverse(viewname, args=args, urlconf=urlconf)


def reader_url(viewname: str, *args) -> str:
    """`reverse(viewname, args=args)` for the current URLconf and script prefix, remembered."""
    return _reverse(viewname, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def reader_urls():
    """`reader_url` for the URLconf and script prefix of now, read once: for a page that makes many addresses.

    Reading the two (request-local values) took 2 of the 2.8 µs of each remembered address: a list page makes
    thirty to forty.
    """
    urlconf, prefix = get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()

    def url(viewname: str, *args) -> str:
        return _reverse(viewname, args, urlconf, prefix)

    return url


@lru_cache(maxsize=1024)
def _static(path: str, prefix: str) -> str:
    # `prefix` is part of the key only: a relative STATIC_URL is read with the script prefix.
    return static(path)


def static_url(path: str) -> str:
    """Django's `static(path)` for the current script prefix, remembered."""
    return _static(path, get_script_prefix())


def static_urls():
    """`static_url` for the script prefix of now, read once: for a page that links to several static files."""
    prefix = get_script_prefix()

    def url(path: str) -> str:
        return _static(path, prefix)

    return url


def addresses(request) -> dict:
    """A reader template's `url` and `static` (context processor of the Jinja2 backend): each page reads the
    URLconf and script prefix once, where the environment's globals read them on each of the page's 15-20 calls.
    Macros imported without the context keep the globals: the same addresses."""
    return {"url": reader_urls(), "static": static_urls()}


def _forget_static(*, setting, **kwargs):
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "DEBUG"}:
        _static.cache_clear()


setting_changed.connect(_forget_static)
