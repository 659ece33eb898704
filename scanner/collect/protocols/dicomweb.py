"""Owns identifying DICOMweb (DICOM PS3.18: QIDO-RS, WADO-RS, STOW-RS) inside HTTP.

A request is DICOMweb when a first path segment is ``studies`` (or ``wado``), or its
content type or Accept header is a DICOM media type (``application/dicom``,
``application/dicom+json``, ``application/dicom+xml``). Facts: method, host, content
type. Never study/series/instance UIDs in the path, the query string or the body.
"""

from __future__ import annotations

from ._http import media_type, path_segments, requests, response_content_type
from .http import facts_of

NAME = "dicomweb"

DICOM_TYPES = frozenset(("application/dicom", "application/dicom+json",
                         "application/dicom+xml"))
PATH_MARKERS = frozenset(("studies", "wado"))
SEARCH_DEPTH = 4


def _accepts_dicom(value: str | None) -> bool:
    return bool(value) and any(media_type(part) in DICOM_TYPES or
                               "application/dicom" in part.lower()
                               for part in value.split(","))


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Facts per distinct DICOMweb request; None if no request is DICOMweb.

    Examples
    --------
    >>> dissect(b"GET /dicom-web/studies?PatientID=1 HTTP/1.1\\r\\nHost: pacs\\r\\n\\r\\n", b"")
    [{'method': 'GET', 'host': 'pacs'}]
    """
    reqs = requests(client)
    if not reqs:
        return None
    fallback = response_content_type(server)
    out = []
    for method, target, headers in reqs:
        segs = [s.lower() for s in path_segments(target)[:SEARCH_DEPTH]]
        if not (PATH_MARKERS.intersection(segs) or _accepts_dicom(headers.get("accept"))
                or _accepts_dicom(headers.get("content-type")) or fallback in DICOM_TYPES):
            continue
        facts = facts_of(method, headers, fallback)
        if facts not in out:
            out.append(facts)
    return out or None
