"""Owns the numba kernels of the compiled capture walk (imported by ``fastwalk`` on first use).

What they do and why: ``fastwalk``'s docstring. Each kernel mirrors, line for line, the
Python it replaces: ``_packet`` is ``Decoder.decode`` followed by ``FlowTable.feed``'s
conversation update, ``_control``/``_keep``/``_dissect``/``_flush`` logic included.
Importing this module imports numba; the compiled code is cached beside it.
"""

from __future__ import annotations

import numba
import numpy as np

from .fastwalk import (C_BE, C_BUDGET, C_FMT, C_LIMIT, C_LINK, C_MAXPAY, C_MAXSEG, C_NIF,
                       C_UNITS, E_CONV, E_FRAME, E_KIND, E_LEN, E_SIDE, E_START, EV_DISSECT,
                       EV_DNS, EV_KEEP, F_FIRST, F_LAST, F_PTS, G_FRAME, G_HELD, G_NCONV,
                       G_NEED, G_NEV, G_PACKETS, K_BUFS, K_BY0, K_CONN, K_DONE, K_DPORT,
                       K_FAM, K_FIRST, K_GUESS, K_LAST, K_LEN0, K_LEN1, K_PFRAME, K_PK0,
                       K_PREV, K_PROTO, K_SEG0, K_SEG1, K_SPORT, K_SYN, K_SYNACK, MAX_CAPLEN,
                       NK, R_FRAGMENT, R_LINK, R_MALFORMED, R_NON_IP, R_OTHER, S_BAIL,
                       S_BLOCK, S_FULL, S_NEED)

# hash multipliers (64-bit odd constants, as signed int64)
_M1 = 0x9E3779B97F4A7C15 - (1 << 64)
_M2 = 0xBF58476D1CE4E5B9 - (1 << 64)
_M3 = 0x94D049BB133111EB - (1 << 64)

# no reference counting (``_nrt=False``): the kernels allocate nothing, and the
# atomic increments numba adds per array argument cost more than the decode itself
_jit = numba.njit(cache=True, nogil=True, _nrt=False)


@_jit
def _u16(b, p, be):
    if be:
        return (np.int64(b[p]) << 8) | np.int64(b[p + 1])
    return (np.int64(b[p + 1]) << 8) | np.int64(b[p])

@_jit
def _u32(b, p, be):
    if be:
        return ((np.int64(b[p]) << 24) | (np.int64(b[p + 1]) << 16)
                | (np.int64(b[p + 2]) << 8) | np.int64(b[p + 3]))
    return ((np.int64(b[p + 3]) << 24) | (np.int64(b[p + 2]) << 16)
            | (np.int64(b[p + 1]) << 8) | np.int64(b[p]))

@_jit
def _div(n, d):
    """``n / d`` correctly rounded, as Python's int/int true division (0 <= n < 2**63,
    1 <= d < 2**53)."""
    if n < (np.int64(1) << 53):
        return np.float64(n) / np.float64(d)
    q = n // d
    r = n - q * d
    bits = 0
    t = q
    while t:
        bits += 1
        t >>= 1
    k = 0
    m = q
    while bits + k < 55:                 # 55 significant bits: 53 + guard + round
        r <<= 1
        m <<= 1
        if r >= d:
            r -= d
            m |= 1
        k += 1
    sticky = r != 0
    s = bits + k - 53                    # bits to drop
    low = m & ((np.int64(1) << s) - 1)
    m >>= s
    half = np.int64(1) << (s - 1)
    if low > half or (low == half and (sticky or (m & 1))):
        m += 1
    return np.float64(m) * (2.0 ** (s - k))

@_jit
def _guess(hint, proto, p0, p1):
    """``flows.guess_client``'s side (0 or 1)."""
    pi = 0 if proto == 6 else 1
    h0, h1 = hint[pi, p0], hint[pi, p1]
    if h0 != h1:
        return 1 if h0 else 0
    if (p0 < 1024) != (p1 < 1024):
        return 1 if p0 < 1024 else 0
    if p0 == p1:
        return 0
    return 1 if p0 < p1 else 0

@_jit
def _emit(ev, evf, g, kind, conv, side, frame, start, length, ts):
    i = g[G_NEV]
    ev[i, E_KIND] = kind
    ev[i, E_CONV] = conv
    ev[i, E_SIDE] = side
    ev[i, E_FRAME] = frame
    ev[i, E_START] = start
    ev[i, E_LEN] = length
    evf[i] = ts
    g[G_NEV] = i + 1

@_jit
def _dissect(c, ci, g, ev, evf):
    ci[c, K_DONE] = 1
    if not ci[c, K_BUFS]:
        return
    ci[c, K_BUFS] = 0
    g[G_HELD] -= ci[c, K_LEN0] + ci[c, K_LEN1]
    if ci[c, K_SYN] >= 0:
        client = ci[c, K_SYN]
    elif ci[c, K_SYNACK] >= 0:
        client = 1 - ci[c, K_SYNACK]
    else:
        client = ci[c, K_GUESS]
    _emit(ev, evf, g, EV_DISSECT, c, client, 0, 0, 0, 0.0)

@_jit
def flush(ci, g, ev, evf):
    """``FlowTable._flush``: identify every conversation still holding bytes."""
    for c in range(g[G_NCONV]):
        if ci[c, K_BUFS] and not ci[c, K_DONE]:
            _dissect(c, ci, g, ev, evf)

@_jit
def _hash(w0, w1, w2, w3, w4):
    h = w4 * _M1
    h ^= w0 + (h << 6) + (h >> 2)
    h = h * _M2
    h ^= w1 + (h << 6) + (h >> 2)
    h ^= w2 * _M3
    h ^= w3 + (h << 6) + (h >> 2)
    h ^= h >> 31
    return h

@_jit
def _find(ht, w0, w1, w2, w3, w4):
    """Slot of the key, or of the empty slot where it would go."""
    mask = ht.shape[0] - 1
    i = _hash(w0, w1, w2, w3, w4) & mask
    while True:
        if ht[i, 5] < 0:
            return i
        if (ht[i, 0] == w0 and ht[i, 1] == w1 and ht[i, 2] == w2 and ht[i, 3] == w3
                and ht[i, 4] == w4):
            return i
        i = (i + 1) & mask

@_jit
def _put(ht, w0, w1, w2, w3, w4, value):
    i = _find(ht, w0, w1, w2, w3, w4)
    ht[i, 0] = w0
    ht[i, 1] = w1
    ht[i, 2] = w2
    ht[i, 3] = w3
    ht[i, 4] = w4
    ht[i, 5] = value

@_jit
def rehash(old, new):
    """Move every entry of hash table ``old`` into the empty, larger ``new``."""
    for i in range(old.shape[0]):
        if old[i, 5] >= 0:
            _put(new, old[i, 0], old[i, 1], old[i, 2], old[i, 3], old[i, 4], old[i, 5])

@_jit
def _word(b, p):
    w = np.int64(0)
    for k in range(8):
        w = (w << 8) | np.int64(b[p + k])
    return w

@_jit
def _packet(b, p, n, linktype, frame, ts, wire, cfg, g, ci, cf, ca, ht, hint, ev, evf,
            skipped):
    """``Decoder.decode`` then ``FlowTable.feed``'s conversation update, for the frame
    ``b[p:p+n]``."""
    # -- link layer
    if linktype == 1:
        if n < 14:
            skipped[R_MALFORMED] += 1
            return
        off = 14
        et = _u16(b, p + 12, True)
        while et == 0x8100 or et == 0x88A8 or et == 0x9100 or et == 0x9200:
            if off + 4 > n:
                skipped[R_MALFORMED] += 1
                return
            et = _u16(b, p + off + 2, True)
            off += 4
    elif linktype == 113:
        if n < 16:
            skipped[R_MALFORMED] += 1
            return
        off = 16
        et = _u16(b, p + 14, True)
    elif linktype == 276:
        if n < 2:
            skipped[R_MALFORMED] += 1
            return
        off = 20
        et = _u16(b, p, True)
    elif linktype == 101 or linktype == 12 or linktype == 14:
        if n < 1:
            skipped[R_MALFORMED] += 1
            return
        off = 0
        v = b[p] >> 4
        et = 0x0800 if v == 4 else (0x86DD if v == 6 else 0)
    elif linktype == 228:
        off = 0
        et = 0x0800
    elif linktype == 229:
        off = 0
        et = 0x86DD
    elif linktype == 0 or linktype == 108:
        if n < 4:
            skipped[R_MALFORMED] += 1
            return
        off = 4
        af = _u32(b, p, linktype == 108)
        if af > 0xFFFF:
            af = _u32(b, p, linktype == 0)
        if af == 2:
            et = 0x0800
        elif af == 10 or af == 24 or af == 28 or af == 30:
            et = 0x86DD
        else:
            et = 0
    else:
        skipped[R_LINK] += 1
        return
    # -- network layer
    if et == 0x0800:
        if n < off + 20 or b[p + off] >> 4 != 4:
            skipped[R_MALFORMED] += 1
            return
        ihl = np.int64(b[p + off] & 0x0F) * 4
        total = _u16(b, p + off + 2, True)
        if _u16(b, p + off + 6, True) & 0x1FFF:
            skipped[R_FRAGMENT] += 1
            return
        proto = np.int64(b[p + off + 9])
        fam = 4
        a = p + off + 12
        sw = (_u32(b, a, True) << 32) | _u32(b, a + 4, True)
        dw = (_u32(b, a + 4, True) << 32) | _u32(b, a, True)
        w0, w1, w2, w3 = sw, np.int64(0), np.int64(0), np.int64(0)
        r0, r1, r2, r3 = dw, np.int64(0), np.int64(0), np.int64(0)
        end = off + total if (ihl <= total and off + total < n) else n
        off += ihl
    elif et == 0x86DD:
        if n < off + 40 or b[p + off] >> 4 != 6:
            skipped[R_MALFORMED] += 1
            return
        plen = _u16(b, p + off + 4, True)
        proto = np.int64(b[p + off + 6])
        fam = 16
        a = p + off + 8
        w0, w1 = _word(b, a), _word(b, a + 8)
        w2, w3 = _word(b, a + 16), _word(b, a + 24)
        r0, r1, r2, r3 = w2, w3, w0, w1
        end = off + 40 + plen if (plen and off + 40 + plen < n) else n
        off += 40
        hops = 0
        while (proto == 0 or proto == 43 or proto == 60 or proto == 135 or proto == 139
               or proto == 140 or proto == 44 or proto == 51):
            if off + 8 > end or hops > 8:
                skipped[R_MALFORMED] += 1
                return
            hops += 1
            nxt = np.int64(b[p + off])
            if proto == 44:
                if _u16(b, p + off + 2, True) & 0xFFF8:
                    skipped[R_FRAGMENT] += 1
                    return
                off += 8
            elif proto == 51:
                off += (np.int64(b[p + off + 1]) + 2) * 4
            else:
                off += (np.int64(b[p + off + 1]) + 1) * 8
            proto = nxt
    else:
        skipped[R_NON_IP] += 1
        return
    # -- transport
    if proto == 6:
        if off + 20 > end:
            skipped[R_MALFORMED] += 1
            return
        sport = _u16(b, p + off, True)
        dport = _u16(b, p + off + 2, True)
        doff = np.int64(b[p + off + 12] >> 4) * 4
        if doff < 20:
            skipped[R_MALFORMED] += 1
            return
        flags = np.int64(b[p + off + 13])
        start = off + doff
    elif proto == 17:
        if off + 8 > end:
            skipped[R_MALFORMED] += 1
            return
        sport = _u16(b, p + off, True)
        dport = _u16(b, p + off + 2, True)
        flags = 0
        start = off + 8
    else:
        skipped[R_OTHER] += 1
        return
    plen = end - start if end > start else 0
    # -- the conversation (FlowTable.feed)
    meta = (fam << 40) | (proto << 32) | (sport << 16) | dport
    slot = _find(ht, w0, w1, w2, w3, meta)
    val = ht[slot, 5]
    if val < 0:
        c = g[G_NCONV]
        g[G_NCONV] = c + 1
        ht[slot, 0] = w0
        ht[slot, 1] = w1
        ht[slot, 2] = w2
        ht[slot, 3] = w3
        ht[slot, 4] = meta
        ht[slot, 5] = 2 * c
        _put(ht, r0, r1, r2, r3, (fam << 40) | (proto << 32) | (dport << 16) | sport,
             2 * c + 1)
        for k in range(NK):
            ci[c, k] = 0
        ci[c, K_FIRST] = frame
        ci[c, K_LAST] = frame
        ci[c, K_SYN] = -1
        ci[c, K_SYNACK] = -1
        ci[c, K_PREV] = -1
        ci[c, K_PFRAME] = -1
        ci[c, K_SPORT] = sport
        ci[c, K_DPORT] = dport
        ci[c, K_PROTO] = proto
        ci[c, K_FAM] = fam
        ci[c, K_GUESS] = _guess(hint, proto, sport, dport)
        cf[c, F_FIRST] = ts
        cf[c, F_LAST] = ts
        cf[c, F_PTS] = 0.0
        for k in range(2 * fam):                         # both addresses, packed
            ca[c, k] = b[a + k]
        side = 0
    else:
        c = val >> 1
        side = val & 1
        ci[c, K_LAST] = frame
        if ts > cf[c, F_LAST]:
            cf[c, F_LAST] = ts
        elif ts < cf[c, F_FIRST]:
            cf[c, F_FIRST] = ts
    ci[c, K_PK0 + side] += 1
    ci[c, K_BY0 + side] += wire
    if flags & 0x07:                                     # FlowTable._control
        if flags & 0x12 == 0x02:
            if ci[c, K_PREV] != side:
                ci[c, K_CONN] += 1
                ci[c, K_PREV] = side
            if ci[c, K_SYN] < 0:
                ci[c, K_SYN] = side
        else:
            ci[c, K_PREV] = -1
            if flags & 0x12 == 0x12 and ci[c, K_SYNACK] < 0:
                ci[c, K_SYNACK] = side
            if flags & 0x05 and ci[c, K_BUFS] and not ci[c, K_DONE]:
                _dissect(c, ci, g, ev, evf)
    elif ci[c, K_PREV] >= 0:
        ci[c, K_PREV] = -1
    if plen > 0:
        if not ci[c, K_DONE]:                            # FlowTable._keep
            maxseg, maxpay = cfg[C_MAXSEG], cfg[C_MAXPAY]
            ci[c, K_BUFS] = 1
            if ci[c, K_SEG0 + side] < maxseg and ci[c, K_LEN0 + side] < maxpay:
                take = min(plen, maxpay - ci[c, K_LEN0 + side])
                _emit(ev, evf, g, EV_KEEP, c, side, frame, p + start, take, ts)
                ci[c, K_LEN0 + side] += take
                ci[c, K_SEG0 + side] += 1
                g[G_HELD] += take
                if ci[c, K_PFRAME] < 0:
                    ci[c, K_PFRAME] = frame
                    cf[c, F_PTS] = ts
            full0 = ci[c, K_SEG0] >= maxseg or ci[c, K_LEN0] >= maxpay
            full1 = ci[c, K_SEG1] >= maxseg or ci[c, K_LEN1] >= maxpay
            if full0 and full1:
                _dissect(c, ci, g, ev, evf)
            elif g[G_HELD] > cfg[C_BUDGET]:
                flush(ci, g, ev, evf)
        if sport == 53:
            _emit(ev, evf, g, EV_DNS, c, proto, frame, p + start, plen, ts)

@_jit
def _room(g, ci, ht, ev):
    """Room for one more packet: a conversation slot, hash load under 1/2, events for
    a flush of every conversation."""
    nconv = g[G_NCONV]
    return (nconv + 1 < ci.shape[0] and 4 * (nconv + 1) < ht.shape[0]
            and g[G_NEV] + nconv + 4 <= ev.shape[0])

@_jit
def walk(b, pos, cfg, g, gf, ifs, ci, cf, ca, ht, hint, ev, evf, skipped):
    """Walk the records of ``b`` from ``pos``; returns ``(status, pos)``.

    ``S_NEED``: the record at ``pos`` needs ``g[G_NEED]`` bytes past the end of ``b``;
    ``S_FULL``: tables or the event buffer need room (nothing consumed at ``pos``);
    ``S_BLOCK``: a pcapng Section or Interface block at ``pos`` for Python;
    ``S_BAIL``: something the Python path must read (a refusal, an odd value).
    """
    size = b.shape[0]
    be = cfg[C_BE] != 0
    if cfg[C_FMT] == 0:                                   # classic pcap
        units = np.float64(cfg[C_UNITS])
        limit = cfg[C_LIMIT]
        linktype = cfg[C_LINK]
        while True:
            if pos + 16 > size:
                g[G_NEED] = 16
                return S_NEED, pos
            caplen = _u32(b, pos + 8, be)
            if caplen > limit:
                return S_BAIL, pos
            if pos + 16 + caplen > size:
                g[G_NEED] = 16 + caplen
                return S_NEED, pos
            if not _room(g, ci, ht, ev):
                return S_FULL, pos
            frame = g[G_FRAME] + 1
            g[G_FRAME] = frame
            g[G_PACKETS] += 1
            ts = np.float64(_u32(b, pos, be)) + np.float64(_u32(b, pos + 4, be)) / units
            wire = _u32(b, pos + 12, be)
            _packet(b, pos + 16, caplen, linktype, frame, ts, wire, cfg, g, ci, cf, ca,
                    ht, hint, ev, evf, skipped)
            pos += 16 + caplen
    while True:                                           # pcapng
        if pos + 12 > size:
            g[G_NEED] = 12
            return S_NEED, pos
        if b[pos] == 0x0A and b[pos + 1] == 0x0D and b[pos + 2] == 0x0D and b[pos + 3] == 0x0A:
            return S_BLOCK, pos
        btype = _u32(b, pos, be)
        blen = _u32(b, pos + 4, be)
        if blen < 12 or blen % 4 or blen > 16 * 1024 * 1024:
            return S_BAIL, pos
        if btype == 6 or btype == 2 or btype == 3:
            if blen < (16 if btype == 3 else 32):
                return S_BAIL, pos
        elif btype == 1:
            return S_BLOCK, pos
        else:                                             # any other block: skipped
            if pos + blen > size:
                g[G_NEED] = blen
                return S_NEED, pos
            pos += blen
            continue
        if pos + blen > size:
            g[G_NEED] = blen
            return S_NEED, pos
        if not _room(g, ci, ht, ev):
            return S_FULL, pos
        body = pos + 8
        end = pos + blen - 4
        tsraw = np.int64(-1)
        if btype == 6:
            ifid = _u32(b, body, be)
            hi = _u32(b, body + 4, be)
            tsraw = (hi << 32) | _u32(b, body + 8, be)
            caplen = _u32(b, body + 12, be)
            wire = _u32(b, body + 16, be)
            data_at = body + 20
        elif btype == 2:
            ifid = _u16(b, body, be)
            hi = _u32(b, body + 4, be)
            tsraw = (hi << 32) | _u32(b, body + 8, be)
            caplen = _u32(b, body + 12, be)
            wire = _u32(b, body + 16, be)
            data_at = body + 20
        else:
            ifid = 0
            hi = 0
            wire = _u32(b, body, be)
            data_at = body + 4
            caplen = min(wire, end - data_at)
        if ifid >= cfg[C_NIF]:
            return S_BAIL, pos
        linktype = ifs[ifid, 0]
        snaplen = ifs[ifid, 1]
        if btype == 3 and snaplen:
            caplen = min(caplen, snaplen)
        if caplen > MAX_CAPLEN or (snaplen and caplen > snaplen):
            return S_BAIL, pos
        if data_at + caplen > end:
            return S_BAIL, pos
        if btype != 3:
            if hi >= (1 << 31) or ifs[ifid, 2] <= 0:
                return S_BAIL, pos                      # beyond 2**63 units, odd divisor
            ts = _div(tsraw, ifs[ifid, 2]) + np.float64(ifs[ifid, 3])
            gf[0] = ts
        else:
            ts = gf[0]
        frame = g[G_FRAME] + 1
        g[G_FRAME] = frame
        g[G_PACKETS] += 1
        _packet(b, data_at, caplen, linktype, frame, ts, wire, cfg, g, ci, cf, ca, ht,
                hint, ev, evf, skipped)
        pos += blen
