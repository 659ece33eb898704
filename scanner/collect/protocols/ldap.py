"""Owns identifying LDAP (RFC 4511 §4.1.1) from the client's LDAPMessage envelopes.

BER: SEQUENCE (0x30) { messageID INTEGER, protocolOp [APPLICATION n] … }. Facts: the
operation kind (bind, search, modify, add, delete, modify_dn, compare, abandon,
extended, unbind). Never DNs, filters, attributes nor credentials.
"""

from __future__ import annotations

from ._ber import integer, tlv

NAME = "ldap"

OPERATIONS = {0x60: "bind", 0x42: "unbind", 0x63: "search", 0x66: "modify", 0x68: "add",
              0x4A: "delete", 0x6C: "modify_dn", 0x6E: "compare", 0x50: "abandon",
              0x77: "extended"}
MAX_MESSAGES = 16


def _operation(buf: bytes, pos: int, end: int) -> tuple[str, int] | None:
    env = tlv(buf, pos, end)
    if env is None or env[0] != 0x30:
        return None
    _, start, stop, declared = env
    mid = tlv(buf, start, stop)
    if mid is None or mid[0] != 0x02 or mid[3] > stop:
        return None
    msg_id = integer(buf, mid[1], mid[2])
    if msg_id is None or msg_id < 0:
        return None
    op = tlv(buf, mid[3], stop)
    if op is None or op[0] not in OPERATIONS or op[3] > declared:
        return None
    name = OPERATIONS[op[0]]
    if name == "bind":                       # version INTEGER 1..127, then the name
        ver = tlv(buf, op[1], op[2])
        if ver is None or ver[0] != 0x02 or integer(buf, ver[1], ver[2]) not in (1, 2, 3):
            return None
    elif name == "search":                   # baseObject LDAPDN (OCTET STRING)
        base = tlv(buf, op[1], op[2])
        if base is None or base[0] != 0x04:
            return None
    return name, declared


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """One fact dict per distinct operation in the client's first messages, or None.

    Examples
    --------
    >>> dissect(bytes.fromhex("300c020101600702010304008000"), b"")
    [{'operation': 'bind'}]
    """
    out: list[dict] = []
    pos = 0
    for _ in range(MAX_MESSAGES):
        found = _operation(client, pos, len(client))
        if found is None:
            break
        facts = {"operation": found[0]}
        if facts not in out:
            out.append(facts)
        pos = found[1]
    return sorted(out, key=lambda f: f["operation"]) or None
