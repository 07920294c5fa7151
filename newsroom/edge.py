"""Tell the shared HTTP caches in front which pages changed, by surrogate key, after every purge.

Public pages carry `Surrogate-Key: <scopes>` (pagecache). After the app's own cache is purged, each
configured edge gets the same scopes:

- Varnish (`VARNISH_PURGE_URLS`, comma-separated, one per Varnish): `PURGE /` with `xkey-purge: <scopes>`,
  answered by deploy/varnish/newsroom.vcl with the xkey module.
- Fastly's purge API (`FASTLY_SERVICE_ID`, `FASTLY_API_TOKEN`; `FASTLY_API_URL` for a stand-in): `POST
  /service/<id>/purge` with `Surrogate-Key: <scopes>` and `Fastly-Key: <token>`, as Fastly documents it.

A cache that does not answer within `EDGE_PURGE_TIMEOUT` seconds is logged and skipped: its copies age out
at their max-age (60 s by default).
"""

import http.client
import logging
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)


def _send(url: str, method: str, path: str, headers: dict) -> int:
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=settings.EDGE_PURGE_TIMEOUT)
    try:
        connection.request(method, (parts.path.rstrip("/") + path) or "/", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def purge_varnish(scopes: list[str]) -> None:
    for url in settings.VARNISH_PURGE_URLS:
        _tell(url, "PURGE", "/", {"xkey-purge": " ".join(scopes)})


def purge_fastly(scopes: list[str]) -> None:
    headers = {"Surrogate-Key": " ".join(scopes), "Fastly-Key": settings.FASTLY_API_TOKEN, "Accept": "application/json"}
    _tell(settings.FASTLY_API_URL, "POST", f"/service/{settings.FASTLY_SERVICE_ID}/purge", headers)


def _tell(url: str, method: str, path: str, headers: dict) -> None:
    try:
        status = _send(url, method, path, headers)
    except OSError as error:
        logger.warning("Could not purge the shared cache at %s: %s", urlsplit(url).netloc, error)
        return
    if status != 200:
        logger.warning("The shared cache at %s answered %s to a purge", urlsplit(url).netloc, status)


def edges() -> list:
    """The purge senders the settings ask for."""
    found = []
    if settings.VARNISH_PURGE_URLS:
        found.append(purge_varnish)
    if settings.FASTLY_SERVICE_ID and settings.FASTLY_API_TOKEN:
        found.append(purge_fastly)
    return found
