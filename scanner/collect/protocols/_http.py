"""Owns parsing HTTP/1.x request heads (RFC 9112 §3) out of a client byte stream.

Shared by the ``http``, ``fhir`` and ``dicomweb`` dissectors. The request target is
returned only so a dissector can look at its path segments; no dissector keeps it.
"""

from __future__ import annotations

import re

_REQUEST = re.compile(rb"(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH|TRACE|CONNECT) "
                      rb"([\x21-\x7e]{1,8000}) HTTP/1\.[01]\r?\n")
_STATUS = re.compile(rb"HTTP/1\.[01] [1-5]\d\d[ \r\n]")
MAX_REQUESTS = 16


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.split(b"\n"):
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        key = name.strip().lower().decode("latin-1")
        if key in out:
            continue
        out[key] = value.strip().decode("latin-1")
    return out


def requests(client: bytes) -> list[tuple[str, str, dict[str, str]]]:
    """Every request head at the start of ``client``: ``(method, target, headers)``.

    Stops at the first bytes that are not a request line (a body whose length is not
    declared, a truncated head). Header names are lower-cased.

    Examples
    --------
    >>> requests(b"GET /x HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n")
    [('GET', '/x', {'host': 'a'})]
    """
    out = []
    pos = 0
    while len(out) < MAX_REQUESTS:
        m = _REQUEST.match(client, pos)
        if not m:
            break
        head_end = client.find(b"\r\n\r\n", m.end() - 2)
        if head_end < 0:
            head_end = client.find(b"\n\n", m.end() - 1)
            sep = 2
        else:
            sep = 4
        if head_end < 0:
            headers = _headers(client[m.end():])
            out.append((m.group(1).decode(), m.group(2).decode("latin-1"), headers))
            break
        headers = _headers(client[m.end():head_end])
        out.append((m.group(1).decode(), m.group(2).decode("latin-1"), headers))
        pos = head_end + sep
        length = headers.get("content-length", "0")
        if not length.isdigit():
            break
        pos += int(length)
    return out


def response_content_type(server: bytes) -> str | None:
    """The media type of the first response, if ``server`` starts with a status line."""
    if not _STATUS.match(server):
        return None
    head = server.split(b"\r\n\r\n", 1)[0]
    return media_type(_headers(head).get("content-type"))


def media_type(value: str | None) -> str | None:
    """``application/fhir+json; charset=utf-8`` → ``application/fhir+json``."""
    if not value:
        return None
    value = value.split(",")[0].split(";")[0].strip().lower()
    return value if re.fullmatch(r"[a-z0-9!#$&^_.+\-]+/[a-z0-9!#$&^_.+\-*]+", value) else None


def path_segments(target: str) -> list[str]:
    """The path segments of a request target, query and fragment removed."""
    if "://" in target:
        target = target.split("://", 1)[1]
        target = target[target.find("/"):] if "/" in target else "/"
    path = target.split("?", 1)[0].split("#", 1)[0]
    return [s for s in path.split("/") if s]
