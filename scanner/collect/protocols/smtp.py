"""Owns identifying SMTP (RFC 5321 §4.2, §4.1.1.1) from the server greeting.

The server speaks first: ``220`` + space or hyphen + text + CRLF; the client answers
``EHLO`` or ``HELO`` (FTP also greets with 220, but its client says USER/AUTH/FEAT).
Facts: the MTA product when the banner names a known one. Never addresses nor mail.
"""

from __future__ import annotations

import re

NAME = "smtp"

PRODUCTS = (("postfix", "Postfix"), ("exim", "Exim"), ("sendmail", "Sendmail"),
            ("microsoft esmtp", "Microsoft Exchange"), ("exchange", "Microsoft Exchange"),
            ("opensmtpd", "OpenSMTPD"), ("qmail", "qmail"), ("zimbra", "Zimbra"),
            ("haraka", "Haraka"), ("hmailserver", "hMailServer"), ("mdaemon", "MDaemon"),
            ("lotus domino", "Lotus Domino"), ("communigate", "CommuniGate Pro"),
            ("mailenable", "MailEnable"), ("ironport", "Cisco IronPort"))
_BANNER = re.compile(rb"^220[ -][\x20-\x7e]*\r?\n")
_CLIENT = re.compile(rb"^(EHLO|HELO) ", re.I)


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Banner facts, or None unless a 220 greeting is answered by EHLO/HELO.

    A greeting with no client bytes yet counts if the banner itself says SMTP.

    Examples
    --------
    >>> dissect(b"EHLO dpi\\r\\n", b"220 mx.ch.local ESMTP Postfix\\r\\n")
    [{'banner_product': 'Postfix'}]
    """
    m = _BANNER.match(server)
    if not m:
        return None
    banner = m.group(0).decode("ascii").lower()
    if client:
        if not _CLIENT.match(client):
            return None
    elif "smtp" not in banner:
        return None
    for needle, product in PRODUCTS:
        if needle in banner:
            return [{"banner_product": product}]
    return [{}]
