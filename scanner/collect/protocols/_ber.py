"""Owns reading ASN.1 BER tag-length-value headers (ITU-T X.690 §8.1), bounds-checked."""

from __future__ import annotations


def tlv(buf: bytes, pos: int, end: int) -> tuple[int, int, int, int] | None:
    """Read the TLV header at ``pos``: ``(tag, start, stop, declared_stop)`` or None.

    Only single-byte tags and definite lengths of up to 4 bytes are accepted; a value
    running past ``end`` is clipped to ``end`` only if the header itself is complete
    (captures keep the first bytes of a message, not always all of it): ``stop`` is the
    clipped end, ``declared_stop`` the end the length field announces.

    Examples
    --------
    >>> tlv(b"\\x02\\x01\\x05", 0, 3)
    (2, 2, 3, 3)
    """
    if pos + 2 > end:
        return None
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        return None
    first = buf[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            return None
        length = int.from_bytes(buf[pos:pos + count], "big")
        pos += count
    return tag, pos, min(pos + length, end), pos + length


def integer(buf: bytes, start: int, stop: int) -> int | None:
    """The value of a short BER INTEGER body, or None."""
    if not 0 < stop - start <= 4:
        return None
    return int.from_bytes(buf[start:stop], "big", signed=True)
