"""Application payload bytes for the sample capture, built to the protocols' specifications.

Owns one builder per protocol: HL7 v2.5 over MLLP, DICOM upper layer (PS3.8) with DIMSE
commands (PS3.7) and explicit/implicit VR datasets (PS3.5), HTTP/1.1 and FHIR, TLS 1.2/1.3
ClientHello/ServerHello, DNS, PostgreSQL v3 startup, MariaDB handshake, LDAP and Kerberos
(BER), SMB2 NEGOTIATE, ASTM E1381 framing, Oracle TNS CONNECT, TDS pre-login, Zabbix agent
protocol, NTP. Randomness comes from the ``rng`` passed in, so output is deterministic.
"""

from __future__ import annotations

import ipaddress
import struct

# --------------------------------------------------------------------------- HL7 / MLLP

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"


def hl7_message(msg_type: str, sending: tuple[str, str], receiving: tuple[str, str], ts: str,
                control_id: str, segments: list[str]) -> str:
    """An HL7 v2.5 message: MSH then ``segments``, separated by CR."""
    trigger_struct = {"ADT": "ADT_A01", "ORM": "ORM_O01", "ORU": "ORU_R01", "OML": "OML_O21",
                      "OUL": "OUL_R22", "SIU": "SIU_S12", "MDM": "MDM_T02", "RDE": "RDE_O11",
                      "QBP": "QBP_Q21", "RSP": "RSP_K21", "ACK": "ACK"}[msg_type.split("^")[0]]
    msh = (f"MSH|^~\\&|{sending[0]}|{sending[1]}|{receiving[0]}|{receiving[1]}|{ts}||"
           f"{msg_type}^{trigger_struct}|{control_id}|P|2.5|||AL|NE||UNICODE UTF-8")
    return "\r".join([msh] + segments) + "\r"


def mllp(message: str) -> bytes:
    """Frame an HL7 message for MLLP: VT … FS CR."""
    return VT + message.encode("utf-8") + FS + CR


def hl7_ack(original_type: str, sending: tuple[str, str], receiving: tuple[str, str], ts: str,
            control_id: str) -> str:
    """The application acknowledgement of a message sent by ``receiving`` to ``sending``."""
    trigger = original_type.split("^")[1]
    msh = (f"MSH|^~\\&|{sending[0]}|{sending[1]}|{receiving[0]}|{receiving[1]}|{ts}||"
           f"ACK^{trigger}^ACK|A{control_id}|P|2.5")
    return f"{msh}\rMSA|AA|{control_id}\r"


def hl7_patient_segments(msg_type: str, patient: dict, ts: str) -> list[str]:
    """Segments after MSH for a message about ``patient`` (PID carries the planted names)."""
    trig = msg_type.split("^")[1]
    pid = (f"PID|1||{patient['ipp']}^^^CHSA^PI~{patient['nir']}^^^ASIP-SANTE-INS-NIR"
           f"&1.2.250.1.213.1.4.8&ISO^INS||{patient['family']}^{patient['given']}^^^^^L||"
           f"{patient['dob']}|{patient['sex']}|||{patient['address']}")
    pv1 = f"PV1|1|I|{patient['unit']}^^^CHSA||||{patient['rpps']}^DOCTEUR^ALICE|||||||||||{patient['nda']}"
    kind = msg_type.split("^")[0]
    if kind == "ADT":
        return [f"EVN|{trig}|{ts}", pid, pv1]
    if kind in ("ORM", "OML"):
        return [pid, pv1, f"ORC|NW|{patient['nda']}01", f"OBR|1|{patient['nda']}01||GLU^Glycémie^L"]
    if kind in ("ORU", "OUL"):
        return [pid, pv1, f"OBR|1|{patient['nda']}01||GLU^Glycémie^L|||{ts}",
                f"OBX|1|NM|GLU^Glycémie^L||5.4|mmol/L|3.9-5.8|N|||F"]
    if kind == "SIU":
        return [f"SCH|{patient['nda']}77||||||CHIR^Chirurgie programmée", pid, "AIL|1||BLOC^SALLE2"]
    if kind == "MDM":
        return [f"EVN|T02|{ts}", pid, pv1, f"TXA|1|CR^Compte rendu|TX|{ts}"]
    if kind == "RDE":
        return [pid, pv1, f"ORC|NW|{patient['nda']}55", "RXE|1^BID|3400935955838^AMOXICILLINE 1G^CIP|1||G"]
    if kind == "QBP":
        return [f"QPD|IHE PDQ Query|Q{patient['nda']}|@PID.5.1^{patient['family']}", "RCP|I|10^RD"]
    raise ValueError(msg_type)


# --------------------------------------------------------------------------- DICOM

APP_CONTEXT = "1.2.840.10008.3.1.1.1"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"
IMPL_CLASS_UID = "1.2.826.0.1.3680043.9.7433.1.1"


def _uid(value: str) -> bytes:
    raw = value.encode("ascii")
    return raw + b"\x00" if len(raw) % 2 else raw


def _item(item_type: int, body: bytes) -> bytes:
    return struct.pack("!BBH", item_type, 0, len(body)) + body


def _ae(title: str) -> bytes:
    return title.encode("ascii").ljust(16, b" ")[:16]


def _user_info() -> bytes:
    return _item(0x50, _item(0x51, struct.pack("!I", 16384)) + _item(0x52, IMPL_CLASS_UID.encode())
                 + _item(0x55, b"HDSCAN_SAMPLE"))


def dicom_associate_rq(called: str, calling: str, abstract_syntaxes: list[str]) -> bytes:
    """A-ASSOCIATE-RQ (PDU 0x01) proposing one presentation context per abstract syntax."""
    items = _item(0x10, APP_CONTEXT.encode())
    for i, uid in enumerate(abstract_syntaxes):
        body = struct.pack("!BBBB", 2 * i + 1, 0, 0, 0) + _item(0x30, uid.encode())
        body += _item(0x40, EXPLICIT_LE.encode()) + _item(0x40, IMPLICIT_LE.encode())
        items += _item(0x20, body)
    items += _user_info()
    body = struct.pack("!HH", 1, 0) + _ae(called) + _ae(calling) + b"\x00" * 32 + items
    return struct.pack("!BBI", 0x01, 0, len(body)) + body


def dicom_associate_ac(called: str, calling: str, count: int) -> bytes:
    """A-ASSOCIATE-AC (PDU 0x02) accepting ``count`` contexts with explicit VR little endian."""
    items = _item(0x10, APP_CONTEXT.encode())
    for i in range(count):
        items += _item(0x21, struct.pack("!BBBB", 2 * i + 1, 0, 0, 0) + _item(0x40, EXPLICIT_LE.encode()))
    items += _user_info()
    body = struct.pack("!HH", 1, 0) + _ae(called) + _ae(calling) + b"\x00" * 32 + items
    return struct.pack("!BBI", 0x02, 0, len(body)) + body


def _implicit(group: int, elem: int, value: bytes) -> bytes:
    return struct.pack("<HHI", group, elem, len(value)) + value


def dimse_command(command_field: int, sop_class: str, message_id: int, *, responding: bool = False,
                  status: int | None = None, instance: str | None = None, has_dataset: bool = True) -> bytes:
    """A DIMSE command set (group 0000, implicit VR little endian) with its group length."""
    elems = _implicit(0, 0x0002, _uid(sop_class)) + _implicit(0, 0x0100, struct.pack("<H", command_field))
    if responding:
        elems += _implicit(0, 0x0120, struct.pack("<H", message_id))
    else:
        elems += _implicit(0, 0x0110, struct.pack("<H", message_id))
        elems += _implicit(0, 0x0700, struct.pack("<H", 0))
    elems += _implicit(0, 0x0800, struct.pack("<H", 0x0000 if has_dataset else 0x0101))
    if status is not None:
        elems += _implicit(0, 0x0900, struct.pack("<H", status))
    if instance:
        elems += _implicit(0, 0x1000, _uid(instance))
    return _implicit(0, 0x0000, struct.pack("<I", len(elems))) + elems


def _explicit(group: int, elem: int, vr: str, value: bytes) -> bytes:
    if len(value) % 2:
        value += b"\x00" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value


def dicom_dataset(fields: list[tuple[int, int, str, str]]) -> bytes:
    """An explicit VR little endian dataset from (group, element, VR, text) in tag order."""
    out = b""
    for group, elem, vr, text in sorted(fields):
        out += _explicit(group, elem, vr, text.encode("utf-8"))
    return out


def pixel_data(raw: bytes) -> bytes:
    """The (7FE0,0010) Pixel Data element, OW, explicit VR little endian."""
    return _explicit(0x7FE0, 0x0010, "OW", raw)


def p_data(pc_id: int, fragment: bytes, command: bool) -> bytes:
    """P-DATA-TF (PDU 0x04) with one PDV, last fragment."""
    mch = 0x03 if command else 0x02
    pdv = struct.pack("!IBB", len(fragment) + 2, pc_id, mch) + fragment
    return struct.pack("!BBI", 0x04, 0, len(pdv)) + pdv


def a_release_rq() -> bytes:
    return struct.pack("!BBII", 0x05, 0, 4, 0)


def a_release_rp() -> bytes:
    return struct.pack("!BBII", 0x06, 0, 4, 0)


# --------------------------------------------------------------------------- HTTP

def http_request(method: str, path: str, host: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    """An HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"] + [f"{k}: {v}" for k, v in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def http_response(status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """An HTTP/1.1 response with Content-Length."""
    lines = [f"HTTP/1.1 {status}", "Date: Mon, 02 Mar 2026 08:00:00 GMT"]
    lines += [f"{k}: {v}" for k, v in headers] + [f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


# --------------------------------------------------------------------------- TLS

def _ext(ext_type: int, body: bytes) -> bytes:
    return struct.pack("!HH", ext_type, len(body)) + body


def tls_client_hello(sni: str, alpn: list[str], rng, tls13: bool = True) -> bytes:
    """A TLS ClientHello record with SNI, ALPN, groups, signature algorithms (and 1.3 key share)."""
    name = sni.encode("ascii")
    exts = _ext(0x0000, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    exts += _ext(0x000A, struct.pack("!H", 6) + struct.pack("!HHH", 0x001D, 0x0017, 0x0018))
    exts += _ext(0x000B, b"\x01\x00")
    exts += _ext(0x000D, struct.pack("!H", 8) + struct.pack("!HHHH", 0x0403, 0x0804, 0x0401, 0x0503))
    protos = b"".join(struct.pack("!B", len(p)) + p.encode() for p in alpn)
    exts += _ext(0x0010, struct.pack("!H", len(protos)) + protos)
    exts += _ext(0x0017, b"")
    if tls13:
        exts += _ext(0x002B, b"\x04\x03\x04\x03\x03")
        exts += _ext(0x0033, struct.pack("!HHH", 36, 0x001D, 32) + rng.randbytes(32))
        exts += _ext(0x002D, b"\x01\x01")
    suites = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030] if tls13 else [0xC02B, 0xC02F, 0xC02C, 0xC030, 0x009E]
    body = (b"\x03\x03" + rng.randbytes(32) + b"\x20" + rng.randbytes(32)
            + struct.pack("!H", 2 * len(suites)) + b"".join(struct.pack("!H", s) for s in suites)
            + b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_server_flight(rng, tls13: bool = True, alpn: str | None = None) -> bytes:
    """ServerHello (+ ChangeCipherSpec and an encrypted record) answering a ClientHello."""
    if tls13:
        exts = _ext(0x002B, b"\x03\x04") + _ext(0x0033, struct.pack("!HH", 0x001D, 32) + rng.randbytes(32))
        suite = 0x1302
    else:
        exts = _ext(0xFF01, b"\x00")
        if alpn:
            exts += _ext(0x0010, struct.pack("!HB", len(alpn) + 1, len(alpn)) + alpn.encode())
        suite = 0xC030
    body = (b"\x03\x03" + rng.randbytes(32) + b"\x20" + rng.randbytes(32) + struct.pack("!H", suite)
            + b"\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    out = b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs + b"\x14\x03\x03\x00\x01\x01"
    return out + tls_app_data(rng, 512)


def tls_app_data(rng, size: int) -> bytes:
    """Encrypted application-data records totalling about ``size`` bytes."""
    out = b""
    while size > 0:
        n = min(size, 16384)
        out += b"\x17\x03\x03" + struct.pack("!H", n) + rng.randbytes(n)
        size -= n
    return out


# --------------------------------------------------------------------------- DNS

def _qname(name: str) -> bytes:
    return b"".join(struct.pack("!B", len(p)) + p.encode("ascii") for p in name.split(".")) + b"\x00"


def dns_query(txid: int, name: str) -> bytes:
    """A recursive A query."""
    return struct.pack("!HHHHHH", txid, 0x0100, 1, 0, 0, 0) + _qname(name) + struct.pack("!HH", 1, 1)


def dns_answer(txid: int, name: str, address: str, cname: str | None = None, authoritative: bool = True) -> bytes:
    """The response to :func:`dns_query`: optional CNAME then an A record."""
    answers, count = b"", 0
    owner = b"\xc0\x0c"
    if cname:
        cname_wire = _qname(cname)
        answers += owner + struct.pack("!HHIH", 5, 1, 60, len(cname_wire)) + cname_wire
        owner = struct.pack("!H", 0xC000 | (12 + len(_qname(name)) + 4 + 12))
        count += 1
    answers += owner + struct.pack("!HHIH", 1, 1, 3600 if authoritative else 60, 4) + ipaddress.IPv4Address(address).packed
    count += 1
    flags = 0x8580 if authoritative else 0x8180
    return (struct.pack("!HHHHHH", txid, flags, 1, count, 0, 0) + _qname(name)
            + struct.pack("!HH", 1, 1) + answers)


# --------------------------------------------------------------------------- PostgreSQL

def pg_startup(params: list[tuple[str, str]]) -> bytes:
    """StartupMessage, protocol 3.0."""
    body = struct.pack("!I", 196608) + b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in params) + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def _pg_msg(tag: bytes, body: bytes) -> bytes:
    return tag + struct.pack("!I", len(body) + 4) + body


def pg_server_ready(version: str, rng) -> bytes:
    """AuthenticationOk, ParameterStatus…, BackendKeyData, ReadyForQuery."""
    out = _pg_msg(b"R", struct.pack("!I", 0))
    for k, v in (("server_version", version), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"),
                 ("DateStyle", "ISO, DMY"), ("TimeZone", "Europe/Paris")):
        out += _pg_msg(b"S", k.encode() + b"\0" + v.encode() + b"\0")
    out += _pg_msg(b"K", struct.pack("!II", rng.randint(1000, 60000), rng.getrandbits(32)))
    return out + _pg_msg(b"Z", b"I")


def pg_query(sql: str) -> bytes:
    return _pg_msg(b"Q", sql.encode() + b"\0")


def pg_command_complete(tag: str) -> bytes:
    return _pg_msg(b"C", tag.encode() + b"\0") + _pg_msg(b"Z", b"I")


def pg_terminate() -> bytes:
    return _pg_msg(b"X", b"")


# --------------------------------------------------------------------------- MySQL / MariaDB

def _my_packet(seq: int, body: bytes) -> bytes:
    return struct.pack("<I", len(body))[:3] + bytes([seq]) + body


def mysql_greeting(version: str, thread_id: int, rng) -> bytes:
    """Initial handshake packet, protocol 10 (MariaDB variant)."""
    salt = bytes(rng.randint(33, 126) for _ in range(20))
    caps = 0xF7FE  # lower capability flags
    body = (b"\x0a" + version.encode() + b"\0" + struct.pack("<I", thread_id) + salt[:8] + b"\0"
            + struct.pack("<HBHH", caps, 45, 0x0002, 0x81FF) + bytes([21]) + b"\0" * 6
            + struct.pack("<I", 0x0000001D) + salt[8:] + b"\0" + b"mysql_native_password\0")
    return _my_packet(0, body)


def mysql_login(user: str, database: str, rng) -> bytes:
    """HandshakeResponse41 with CLIENT_CONNECT_WITH_DB."""
    caps = 0x000AA20F | 0x8  # PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH, CONNECT_WITH_DB …
    body = (struct.pack("<IIB", caps, 16777216, 45) + b"\0" * 23 + user.encode() + b"\0"
            + b"\x14" + rng.randbytes(20) + database.encode() + b"\0" + b"mysql_native_password\0")
    return _my_packet(1, body)


def mysql_ok(seq: int = 2) -> bytes:
    return _my_packet(seq, b"\x00\x00\x00\x02\x00\x00\x00")


# --------------------------------------------------------------------------- BER (LDAP, Kerberos)

def ber(tag: int, body: bytes) -> bytes:
    """One BER TLV with definite length."""
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + struct.pack("!H", n)
    return bytes([tag]) + length + body


def ber_int(value: int, tag: int = 0x02) -> bytes:
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)
    return ber(tag, raw)


def ber_str(text: str, tag: int = 0x04) -> bytes:
    return ber(tag, text.encode("utf-8"))


def ldap_bind_request(msg_id: int, rng) -> bytes:
    """LDAPMessage bindRequest, SASL GSS-SPNEGO with an opaque token."""
    sasl = ber(0xA3, ber_str("GSS-SPNEGO") + ber_str("", 0x04)[:0] + ber(0x04, b"\x60\x82" + rng.randbytes(40)))
    return ber(0x30, ber_int(msg_id) + ber(0x60, ber_int(3) + ber_str("") + sasl))


def ldap_result(msg_id: int, app_tag: int) -> bytes:
    """An LDAPResult (success) under application tag ``app_tag`` (0x61 bind, 0x65 searchDone)."""
    return ber(0x30, ber_int(msg_id) + ber(app_tag, ber_int(0, 0x0A) + ber_str("") + ber_str("")))


def ldap_search_request(msg_id: int, base: str, attrs: list[str]) -> bytes:
    """searchRequest, whole subtree, filter (objectClass=user)."""
    filt = ber(0xA3, ber_str("objectClass") + ber_str("user"))
    body = (ber_str(base) + ber_int(2, 0x0A) + ber_int(0, 0x0A) + ber_int(100) + ber_int(30)
            + ber(0x01, b"\x00") + filt + ber(0x30, b"".join(ber_str(a) for a in attrs)))
    return ber(0x30, ber_int(msg_id) + ber(0x63, body))


def ldap_search_entry(msg_id: int, dn: str) -> bytes:
    return ber(0x30, ber_int(msg_id) + ber(0x64, ber_str(dn) + ber(0x30, b"")))


def _kstr(text: str) -> bytes:
    return ber(0x1B, text.encode())


def _principal(name_type: int, parts: list[str]) -> bytes:
    return ber(0x30, ber(0xA0, ber_int(name_type)) + ber(0xA1, ber(0x30, b"".join(_kstr(p) for p in parts))))


def kerberos_as_req(realm: str, client: str, nonce: int) -> bytes:
    """AS-REQ (APPLICATION 10) for krbtgt/REALM."""
    body = (ber(0xA0, ber(0x03, b"\x00\x40\x81\x00\x10")) + ber(0xA1, _principal(1, [client]))
            + ber(0xA2, _kstr(realm)) + ber(0xA3, _principal(2, ["krbtgt", realm]))
            + ber(0xA5, ber(0x18, b"20370913024805Z")) + ber(0xA7, ber_int(nonce))
            + ber(0xA8, ber(0x30, ber_int(18) + ber_int(17) + ber_int(23))))
    seq = ber(0xA1, ber_int(5)) + ber(0xA2, ber_int(10)) + ber(0xA4, ber(0x30, body))
    return ber(0x6A, ber(0x30, seq))


def kerberos_error(realm: str, code: int = 25) -> bytes:
    """KRB-ERROR (APPLICATION 30), e.g. 25 = KDC_ERR_PREAUTH_REQUIRED."""
    seq = (ber(0xA0, ber_int(5)) + ber(0xA1, ber_int(30)) + ber(0xA4, ber(0x18, b"20260302080001Z"))
           + ber(0xA5, ber_int(0)) + ber(0xA6, ber_int(code)) + ber(0xA9, _kstr(realm))
           + ber(0xAA, _principal(2, ["krbtgt", realm])))
    return ber(0x7E, ber(0x30, seq))


# --------------------------------------------------------------------------- SMB2

def _smb2_header(command: int, message_id: int, response: bool) -> bytes:
    flags = 0x00000001 if response else 0
    return (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, command, 1, flags, 0, message_id, 0xFEFF, 0, 0)
            + b"\x00" * 16)


def _netbios(payload: bytes) -> bytes:
    return b"\x00" + struct.pack("!I", len(payload))[1:] + payload


def _neg_contexts(rng, start: int) -> tuple[bytes, int]:
    pad = (8 - start % 8) % 8
    preauth = struct.pack("<HHH", 1, 32, 0x0001) + rng.randbytes(32)
    ctx1 = struct.pack("<HHI", 1, len(preauth), 0) + preauth
    ctx1 += b"\x00" * ((8 - len(ctx1) % 8) % 8)
    enc = struct.pack("<HHH", 2, 0x0002, 0x0001)
    ctx2 = struct.pack("<HHI", 2, len(enc), 0) + enc
    return b"\x00" * pad + ctx1 + ctx2, start + pad


def smb2_negotiate_request(rng) -> bytes:
    """SMB2 NEGOTIATE request offering 2.0.2 … 3.1.1, with 3.1.1 negotiate contexts."""
    dialects = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311]
    fixed_len = 36 + 2 * len(dialects)
    ctx, offset = _neg_contexts(rng, 64 + fixed_len)
    body = (struct.pack("<HHHHI", 36, len(dialects), 0x0001, 0, 0x7F) + rng.randbytes(16)
            + struct.pack("<IHH", offset, 2, 0) + b"".join(struct.pack("<H", d) for d in dialects))
    return _netbios(_smb2_header(0, 0, False) + body + ctx)


def smb2_negotiate_response(rng) -> bytes:
    """SMB2 NEGOTIATE response selecting 3.1.1."""
    fixed = 64
    ctx, offset = _neg_contexts(rng, 64 + fixed)
    body = (struct.pack("<HHHH", 65, 0x0001, 0x0311, 2) + rng.randbytes(16)
            + struct.pack("<IIIIQQHHI", 0x2F, 8388608, 8388608, 8388608, 133_541_000_000_000_000,
                          0, 128, 0, offset))
    return _netbios(_smb2_header(0, 0, True) + body + ctx)


# --------------------------------------------------------------------------- ASTM E1381

ENQ, ACK, EOT, STX, ETX = b"\x05", b"\x06", b"\x04", b"\x02", b"\x03"


def astm_frame(number: int, record: str) -> bytes:
    """One E1381 frame: STX FN record CR ETX checksum CR LF."""
    body = str(number % 8).encode() + record.encode("utf-8") + b"\r" + ETX
    return STX + body + f"{sum(body) % 256:02X}".encode() + b"\r\n"


# --------------------------------------------------------------------------- Oracle TNS

def tns_connect(connect_data: str) -> bytes:
    """TNS CONNECT packet (type 1) carrying ``connect_data``."""
    data = connect_data.encode("ascii")
    fixed = struct.pack("!HHHHHHHHHHIBBII", 314, 300, 0x0C41, 8192, 65535, 0x7F08, 0, 0x0100,
                        len(data), 58, 0, 0x41, 0x41, 0, 0) + b"\x00" * 16
    total = 8 + len(fixed) + len(data)
    return struct.pack("!HHBBH", total, 0, 1, 0, 0) + fixed + data


def tns_accept() -> bytes:
    """TNS ACCEPT packet (type 2)."""
    body = struct.pack("!HHHHHHHBB", 314, 0x0C41, 8192, 65535, 0x0100, 0, 32, 0x41, 0x41) + b"\x00" * 8
    return struct.pack("!HHBBH", 8 + len(body), 0, 2, 0, 0) + body


# --------------------------------------------------------------------------- TDS (SQL Server)

def tds_prelogin(response: bool = False) -> bytes:
    """TDS PRELOGIN (type 0x12) or its response (type 0x04)."""
    opts = [(0, struct.pack("!IH", 0x0F001A4F if response else 0x0E000000, 0)), (1, b"\x00"),
            (2, b"\x00"), (3, b"" if response else struct.pack("!I", 4242)), (4, b"\x00")]
    header_len = 5 * len(opts) + 1
    table, data = b"", b""
    for token, value in opts:
        table += struct.pack("!BHH", token, header_len + len(data), len(value))
        data += value
    payload = table + b"\xff" + data
    return struct.pack("!BBHHBB", 0x04 if response else 0x12, 0x01, 8 + len(payload), 0, 1, 0) + payload


# --------------------------------------------------------------------------- misc

def zabbix(data: str) -> bytes:
    """Zabbix protocol header ZBXD 0x01, 8-byte little-endian length."""
    raw = data.encode()
    return b"ZBXD\x01" + struct.pack("<Q", len(raw)) + raw


def ntp_packet(mode: int, rng) -> bytes:
    """An NTPv4 packet (mode 3 client or 4 server)."""
    first = (0 << 6) | (4 << 3) | mode
    stratum = 0 if mode == 3 else 2
    return struct.pack("!BBbb", first, stratum, 6, -20) + rng.randbytes(44)


def rdp_connection_request(cookie_user: str) -> bytes:
    """TPKT + X.224 Connection Request with an mstshash cookie and RDP negotiation request."""
    cookie = f"Cookie: mstshash={cookie_user}\r\n".encode()
    neg = struct.pack("<BBHI", 1, 0, 8, 0x0000000B)
    x224 = bytes([6 + len(cookie) + len(neg), 0xE0, 0, 0, 0, 0, 0]) + cookie + neg
    return struct.pack("!BBH", 3, 0, 4 + len(x224)) + x224


def rdp_connection_confirm() -> bytes:
    neg = struct.pack("<BBHI", 2, 0x1F, 8, 2)
    x224 = bytes([6 + len(neg), 0xD0, 0, 0, 0x12, 0x34, 0]) + neg
    return struct.pack("!BBH", 3, 0, 4 + len(x224)) + x224
