"""Owns identifying HTTP/1.x (RFC 9112) from its request line.

Facts: method, Host header, content type (request ``Content-Type``, else the first
response's). Never the request target (path or query string), bodies or cookies.
"""

from __future__ import annotations

from ._http import media_type, requests, response_content_type
from ._text import text

NAME = "http"


def facts_of(method: str, headers: dict[str, str], fallback_type: str | None) -> dict:
    """The allow-listed facts of one request head."""
    facts = {"method": method}
    host = text(headers.get("host", ""))
    if host:
        facts["host"] = host.lower()
    ctype = media_type(headers.get("content-type")) or fallback_type
    if ctype:
        facts["content_type"] = ctype
    return facts


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """One fact dict per distinct (method, host, content type) of the client's requests.

    Returns None unless the client side starts with an HTTP/1.x request line.

    Examples
    --------
    >>> dissect(b"GET /a?b=c HTTP/1.1\\r\\nHost: dpi\\r\\n\\r\\n", b"")
    [{'method': 'GET', 'host': 'dpi'}]
    """
    reqs = requests(client)
    if not reqs:
        return None
    fallback = response_content_type(server)
    out = []
    for method, _target, headers in reqs:
        facts = facts_of(method, headers, fallback)
        if facts not in out:
            out.append(facts)
    return out
