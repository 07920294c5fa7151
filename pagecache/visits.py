"""Values that differ on every visit (a form token, a CSP nonce): made for each reader, cut out of stored pages."""

from collections.abc import Callable
from dataclasses import dataclass

from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token


@dataclass(frozen=True)
class _Maker:
    make: Callable[..., str]
    # The value belongs to one reader (tied to their cookie, or the time of their visit): a page
    # carrying it may be kept by that reader's browser, never by a shared cache.
    private: bool


_MAKERS: dict[str, _Maker] = {}
_RECORDED = "_newsroom_per_visit"


def per_visit_value(name: str, *, private: bool):
    """Register `make(request, *args)` as the maker of the per-visit value `name` (a decorator)."""

    def register(make):
        _MAKERS[name] = _Maker(make, private)
        return make

    return register


def per_visit(request, name: str, *args) -> str:
    """This visit's value `name`, made now and remembered on the request.

    A page stored by `cache_public` is cut where the value was, and every reader
    served the stored copy gets one made for their own visit.
    `args` must be picklable (they are stored with the page).
    """
    value = str(_MAKERS[name].make(request, *args))
    if value:
        recorded = getattr(request, _RECORDED, None)
        if recorded is None:
            recorded = {}
            setattr(request, _RECORDED, recorded)
        recorded[value] = (name, args)
    return value


per_visit_value("csrf", private=True)(get_token)


@per_visit_value("csp-nonce", private=False)
def _csp_nonce(request) -> str:
    # The CSP middleware puts this request's nonce in the header once the page has used it.
    return str(get_nonce(request))


def fill(page, request) -> bytes:
    """The stored page with this visit's values in its gaps: one join, whatever the page's size."""
    if not page.gaps:
        return page.pieces[0]
    values = [str(_MAKERS[name].make(request, *args)).encode() for name, args in page.slots]
    parts = [page.pieces[0]]
    for gap, piece in zip(page.gaps, page.pieces[1:], strict=True):
        parts += (values[gap], piece)
    return b"".join(parts)


def cut_out(request, content: bytes) -> tuple[tuple[bytes, ...], tuple[int, ...], tuple]:
    """The content cut at each value `per_visit` made for this request: (pieces, gaps, slots) of a stored page.

    The values are random (a token, a nonce, a signature), so they occur only where the page put them.
    """
    made = {value.encode(): slot for value, slot in getattr(request, _RECORDED, {}).items()}
    cuts = []
    for value in made:
        at = content.find(value)
        while at != -1:
            cuts.append((at, -len(value), value))
            at = content.find(value, at + len(value))
    pieces, gaps, numbers = [], [], {}
    start = 0
    for at, _longest_first, value in sorted(cuts):
        if at < start:
            continue  # inside a longer value, cut already
        pieces.append(content[start:at])
        gaps.append(numbers.setdefault(value, len(numbers)))
        start = at + len(value)
    pieces.append(content[start:])
    return tuple(pieces), tuple(gaps), tuple(made[value] for value in numbers)  # numbers keeps their order


def is_private(slots) -> bool:
    """Whether a page with these values belongs to one reader (their browser may keep it, no shared cache)."""
    return any(_MAKERS[name].private for name, _ in slots)
