"""Owns decoding one captured frame down to its IP addresses, ports and transport payload.

Link layers (tcpdump.org link-layer header types): Ethernet (1) with 802.1Q / 802.1ad
(QinQ) tags, BSD loopback (0, 108), Linux cooked SLL (113) and SLL2 (276), raw IP
(101, 12, 14) and raw IPv4/IPv6 (228/229). Network: IPv4 with options (RFC 791) and
IPv6 with its extension headers skipped (RFC 8200). Transport: TCP (RFC 9293) and UDP
(RFC 768). Non-first IP fragments carry no ports: they are skipped and counted.

Nothing here raises on bad bytes: a frame that cannot be decoded is counted in
``Decoder.skipped`` under its reason and ``decode`` returns None.
"""

from __future__ import annotations

import socket
import struct

TCP, UDP = 6, 17

_H = struct.Struct("!H").unpack_from
_HH = struct.Struct("!HH").unpack_from
_I_LE = struct.Struct("<I").unpack_from
_I_BE = struct.Struct("!I").unpack_from

_VLAN_TYPES = frozenset((0x8100, 0x88A8, 0x9100, 0x9200))
_IPV6_EXT = frozenset((0, 43, 60, 135, 139, 140))   # hop-by-hop, routing, dest opts, mobility, HIP, shim6
_RAW_LINKS = frozenset((101, 12, 14))
_ADDR_CACHE_MAX = 1 << 16

SKIP_REASONS = ("fragment", "malformed", "non_ip", "other_transport", "unsupported_link")


class Decoder:
    """Decode frames of any supported link type; counts what it skips.

    Attributes
    ----------
    skipped : dict[str, int]
        Frames not decoded, by reason (``SKIP_REASONS``).

    Examples
    --------
    >>> d = Decoder()
    >>> d.decode(101, bytes.fromhex("4500001c0001000040110000"
    ...                             "0a000001" "0a000002" "d431003500080000"), 28)[:5]
    ('10.0.0.1', '10.0.0.2', 54321, 53, 17)
    """

    def __init__(self):
        self.skipped = dict.fromkeys(SKIP_REASONS, 0)
        self._addr: dict[bytes, str] = {}

    def _ntop(self, family: int, packed: bytes) -> str:
        cache = self._addr
        text = cache.get(packed)
        if text is None:
            if len(cache) >= _ADDR_CACHE_MAX:
                cache.clear()
            text = cache[packed] = socket.inet_ntop(family, packed)
        return text

    address = _ntop    # ``address(family, packed)``: the text of a packed address, cached

    def decode(self, linktype: int, data: bytes, wire_len: int):
        """Decode one frame.

        Parameters
        ----------
        linktype : int
            Link-layer header type of the frame's interface.
        data : bytes
            The captured bytes.
        wire_len : int
            Frame length on the wire (passed through).

        Returns
        -------
        tuple or None
            ``(src, dst, sport, dport, proto, tcp_flags, payload, wire_len)`` with textual
            addresses, ``proto`` 6 or 17, ``tcp_flags`` 0 for UDP; None if the frame is
            skipped (see ``skipped``).
        """
        n = len(data)
        try:
            if linktype == 1:
                off = 14
                etype = _H(data, 12)[0]
                while etype in _VLAN_TYPES:
                    etype = _H(data, off + 2)[0]
                    off += 4
            elif linktype == 113:
                off = 16
                etype = _H(data, 14)[0]
            elif linktype == 276:
                off = 20
                etype = _H(data, 0)[0]
            elif linktype in _RAW_LINKS:
                off = 0
                v = data[0] >> 4
                etype = 0x0800 if v == 4 else 0x86DD if v == 6 else 0
            elif linktype == 228:
                off, etype = 0, 0x0800
            elif linktype == 229:
                off, etype = 0, 0x86DD
            elif linktype == 0 or linktype == 108:
                off = 4
                af = _I_LE(data, 0)[0] if linktype == 0 else _I_BE(data, 0)[0]
                if af > 0xFFFF:               # written in the other byte order
                    af = int.from_bytes(data[:4], "big" if linktype == 0 else "little")
                etype = 0x0800 if af == 2 else 0x86DD if af in (10, 24, 28, 30) else 0
            else:
                self.skipped["unsupported_link"] += 1
                return None
        except (struct.error, IndexError):
            self.skipped["malformed"] += 1
            return None

        if etype == 0x0800:
            if n < off + 20 or data[off] >> 4 != 4:
                self.skipped["malformed"] += 1
                return None
            ihl = (data[off] & 0x0F) * 4
            total = _H(data, off + 2)[0]
            if _H(data, off + 6)[0] & 0x1FFF:
                self.skipped["fragment"] += 1
                return None
            proto = data[off + 9]
            src = self._ntop(socket.AF_INET, data[off + 12:off + 16])
            dst = self._ntop(socket.AF_INET, data[off + 16:off + 20])
            end = off + total if ihl <= total and off + total < n else n   # drop Ethernet padding
            off += ihl
        elif etype == 0x86DD:
            if n < off + 40 or data[off] >> 4 != 6:
                self.skipped["malformed"] += 1
                return None
            plen = _H(data, off + 4)[0]
            proto = data[off + 6]
            src = self._ntop(socket.AF_INET6, data[off + 8:off + 24])
            dst = self._ntop(socket.AF_INET6, data[off + 24:off + 40])
            end = off + 40 + plen if plen and off + 40 + plen < n else n
            off += 40
            hops = 0
            while proto in _IPV6_EXT or proto == 44 or proto == 51:
                if off + 8 > end or hops > 8:
                    self.skipped["malformed"] += 1
                    return None
                hops += 1
                nxt = data[off]
                if proto == 44:                          # fragment header
                    if _H(data, off + 2)[0] & 0xFFF8:
                        self.skipped["fragment"] += 1
                        return None
                    off += 8
                elif proto == 51:                        # authentication header
                    off += (data[off + 1] + 2) * 4
                else:
                    off += (data[off + 1] + 1) * 8
                proto = nxt
        else:
            self.skipped["non_ip"] += 1
            return None

        if proto == TCP:
            if off + 20 > end:
                self.skipped["malformed"] += 1
                return None
            sport, dport = _HH(data, off)
            doff = (data[off + 12] >> 4) * 4
            if doff < 20:
                self.skipped["malformed"] += 1
                return None
            return src, dst, sport, dport, TCP, data[off + 13], data[off + doff:end], wire_len
        if proto == UDP:
            if off + 8 > end:
                self.skipped["malformed"] += 1
                return None
            sport, dport = _HH(data, off)
            return src, dst, sport, dport, UDP, 0, data[off + 8:end], wire_len
        self.skipped["other_transport"] += 1
        return None
