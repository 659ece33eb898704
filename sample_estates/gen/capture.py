"""Renders a site's flows into a classic pcap, as a SPAN port of the core switch sees them.

Owns the conversation scripts (who says what, in which order) per flow kind; the bytes
come from :mod:`protocols` and the framing from :mod:`pcapwriter`.
"""

from __future__ import annotations

import datetime
import json
import random
import urllib.parse

from . import protocols as pr
from .estate import (AZURE_BLOB, AZURE_CNAME, AZURE_IP, DOMAIN, INSI_IP, INSI_NAME, MSS_IP, MSS_NAME,
                     PATIENTS, REALM, START_US, Site, gateway_mac)
from .pcapwriter import Clock, Endpoint, PcapWriter, TcpSession, udp_exchange

ROUTER_MAC = "00:1c:73:5a:00:01"
EXTERNAL = {"ext:" + AZURE_BLOB: AZURE_IP, "ext:" + INSI_NAME: INSI_IP, "ext:" + MSS_NAME: MSS_IP}


class _Ctx:
    def __init__(self, site: Site, writer: PcapWriter, rng: random.Random):
        self.site, self.w, self.rng = site, writer, rng
        self.clock = Clock(START_US + 5_000_000, rng)
        self.ctrl = 1000
        self.by_key = {h.key: h for h in site.hosts}

    def endpoint(self, key: str) -> Endpoint:
        if key in EXTERNAL:
            return Endpoint(EXTERNAL[key], ROUTER_MAC, ROUTER_MAC)
        h = self.by_key[key]
        zone = int(h.ip.split(".")[2])
        return Endpoint(h.ip, h.mac, gateway_mac(self.site.net, zone))

    def hl7_ts(self) -> str:
        secs = self.clock.now // 1_000_000
        return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y%m%d%H%M%S")

    def next_ctrl(self) -> str:
        self.ctrl += 1
        return f"MSG{self.ctrl:08d}"

    def session(self, flow) -> TcpSession:
        return TcpSession(self.w, self.clock, self.endpoint(flow.client), self.endpoint(flow.server),
                          flow.sport, flow.port, self.rng.getrandbits(32), self.rng.getrandbits(32)).handshake()


def _fqdn(ctx: _Ctx, key: str) -> str:
    return key[4:] if key.startswith("ext:") else f"{key}.{DOMAIN}"


def _hl7(ctx, flow):
    s = ctx.session(flow)
    o = flow.opts
    for msg_type in o["types"]:
        for idx in o["patients"]:
            ts, ctrl = ctx.hl7_ts(), ctx.next_ctrl()
            segs = pr.hl7_patient_segments(msg_type, PATIENTS[idx], ts)
            s.send(True, pr.mllp(pr.hl7_message(msg_type, o["sending"], o["receiving"], ts, ctrl, segs)))
            if msg_type.startswith("QBP"):
                rsp = pr.hl7_message("RSP^K22", o["receiving"], o["sending"], ts, "R" + ctrl,
                                     [f"MSA|AA|{ctrl}", "QAK|Q1|OK"] + pr.hl7_patient_segments("ADT^A01", PATIENTS[idx], ts)[1:2])
                s.send(False, pr.mllp(rsp))
            else:
                s.send(False, pr.mllp(pr.hl7_ack(msg_type, o["receiving"], o["sending"], ts, ctrl)))
    s.close()


CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
MWL_FIND = "1.2.840.10008.5.1.4.31"
VERIFICATION = "1.2.840.10008.1.1"


def _pn(p) -> str:
    return f"{p['family']}^{p['given']}"


def _dicom_store(ctx, flow):
    o = flow.opts
    sop = CT_STORAGE if o["modality"] == "CT" else MR_STORAGE
    p = PATIENTS[o["patient"]]
    s = ctx.session(flow)
    s.send(True, pr.dicom_associate_rq(o["called"], o["calling"], [sop, VERIFICATION]))
    s.send(False, pr.dicom_associate_ac(o["called"], o["calling"], 2))
    for n in range(2):
        inst = f"1.2.826.0.1.3680043.9.7433.{ctx.site.net}.{flow.sport}.{n + 1}"
        s.send(True, pr.p_data(1, pr.dimse_command(0x0001, sop, n + 1, instance=inst), True))
        ds = pr.dicom_dataset([
            (0x0008, 0x0005, "CS", "ISO_IR 192"), (0x0008, 0x0016, "UI", sop), (0x0008, 0x0018, "UI", inst),
            (0x0008, 0x0020, "DA", "20260302"), (0x0008, 0x0060, "CS", o["modality"]),
            (0x0008, 0x0080, "LO", "CH Saint-Aurelien"), (0x0010, 0x0010, "PN", _pn(p)),
            (0x0010, 0x0020, "LO", p["ipp"]), (0x0010, 0x0030, "DA", p["dob"]), (0x0010, 0x0040, "CS", p["sex"]),
            (0x0020, 0x000D, "UI", f"1.2.826.0.1.3680043.9.7433.{ctx.site.net}.{p['ipp']}")])
        ds += pr.pixel_data(ctx.rng.randbytes(4096))
        s.send(True, pr.p_data(1, ds, False))
        s.send(False, pr.p_data(1, pr.dimse_command(0x8001, sop, n + 1, responding=True, status=0,
                                                   instance=inst, has_dataset=False), True))
    s.send(True, pr.a_release_rq())
    s.send(False, pr.a_release_rp())
    s.close()


def _dicom_mwl(ctx, flow):
    o = flow.opts
    p = PATIENTS[o["patient"]]
    s = ctx.session(flow)
    s.send(True, pr.dicom_associate_rq(o["called"], o["calling"], [MWL_FIND, VERIFICATION]))
    s.send(False, pr.dicom_associate_ac(o["called"], o["calling"], 2))
    s.send(True, pr.p_data(1, pr.dimse_command(0x0020, MWL_FIND, 1), True))
    s.send(True, pr.p_data(1, pr.dicom_dataset([(0x0008, 0x0060, "CS", o["calling"][:2]), (0x0010, 0x0010, "PN", ""),
                                                (0x0010, 0x0020, "LO", "")]), False))
    s.send(False, pr.p_data(1, pr.dimse_command(0x8020, MWL_FIND, 1, responding=True, status=0xFF00), True))
    s.send(False, pr.p_data(1, pr.dicom_dataset([
        (0x0008, 0x0005, "CS", "ISO_IR 192"), (0x0008, 0x0050, "SH", f"A{p['nda']}"), (0x0008, 0x0060, "CS", o["calling"][:2]),
        (0x0010, 0x0010, "PN", _pn(p)), (0x0010, 0x0020, "LO", p["ipp"]), (0x0010, 0x0030, "DA", p["dob"])]), False))
    s.send(False, pr.p_data(1, pr.dimse_command(0x8020, MWL_FIND, 1, responding=True, status=0x0000, has_dataset=False), True))
    s.send(True, pr.a_release_rq())
    s.send(False, pr.a_release_rp())
    s.close()


def _dicomweb(ctx, flow):
    p = PATIENTS[flow.opts["patient"]]
    s = ctx.session(flow)
    q = urllib.parse.quote(p["family"] + "*")
    s.send(True, pr.http_request("GET", f"/dicom-web/studies?PatientName={q}&includefield=all",
                                 f"{_fqdn(ctx, flow.server)}:{flow.port}",
                                 [("Accept", "application/dicom+json"), ("User-Agent", "Weasis/4.3.0")]))
    body = json.dumps([{"00100010": {"vr": "PN", "Value": [{"Alphabetic": _pn(p)}]},
                        "00100020": {"vr": "LO", "Value": [p["ipp"]]},
                        "00080061": {"vr": "CS", "Value": ["CT"]}}], ensure_ascii=False).encode()
    s.send(False, pr.http_response("200 OK", [("Content-Type", "application/dicom+json"), ("Server", "Orthanc")], body))
    s.close()


def _fhir(ctx, flow):
    p = PATIENTS[flow.opts["patient"]]
    res = flow.opts["resource"]
    family = urllib.parse.quote(p["family"])
    path = f"/fhir/Patient?family={family}" if res == "Patient" else f"/fhir/{res}?patient.family={family}&_count=20"
    s = ctx.session(flow)
    s.send(True, pr.http_request("GET", path, f"{_fqdn(ctx, flow.server)}:{flow.port}",
                                 [("Accept", "application/fhir+json"), ("User-Agent", "HAPI-FHIR/6.10.0 (FHIR Client)"),
                                  ("Accept-Charset", "utf-8")]))
    patient = {"resourceType": "Patient", "id": p["ipp"],
               "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": p["nir"]}],
               "name": [{"use": "official", "family": p["family"], "given": [p["given"]],
                         "text": f"{p['given']} {p['family']}"}],
               "birthDate": f"{p['dob'][:4]}-{p['dob'][4:6]}-{p['dob'][6:]}"}
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [{"resource": patient}]}
    body = json.dumps(bundle, ensure_ascii=False, sort_keys=True).encode()
    s.send(False, pr.http_response("200 OK", [("Content-Type", "application/fhir+json;charset=utf-8"),
                                              ("Server", "Apache-Coyote/1.1")], body))
    s.close()


def _http(ctx, flow):
    o = flow.opts
    method = o.get("method", "GET")
    body = b""
    headers = [("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/122.0"), ("Accept", "*/*")]
    if o["ctype"] == "application/json":
        p = PATIENTS[3]
        body = json.dumps({"creneau": "2026-03-12T09:30:00+01:00", "consultation": "PEDIATRIE",
                           "patient": {"nom": p["family"], "prenom": p["given"], "naissance": p["dob"]}},
                          ensure_ascii=False, sort_keys=True).encode()
        headers = [("User-Agent", "node-fetch/3.3"), ("Content-Type", "application/json")]
    elif o["ctype"] == "application/ipp":
        body = b"\x02\x00\x00\x02\x00\x00\x00\x01\x01\x47\x00\x12attributes-charset\x00\x05utf-8\x03" + b"%!PS-Adobe-3.0\n" + ctx.rng.randbytes(2000)
        headers = [("User-Agent", "Microsoft IPP Class Driver"), ("Content-Type", "application/ipp")]
    s = ctx.session(flow)
    s.send(True, pr.http_request(method, o["path"], _fqdn(ctx, flow.server), headers, body))
    reply = b"<!DOCTYPE html><html><head><title>CHSA</title></head><body>OK</body></html>" if "html" in o["ctype"] else b'{"status":"ok"}'
    if o["ctype"] == "application/ipp":
        reply = b"\x02\x00\x00\x00\x00\x00\x00\x01\x03"
    elif o["ctype"] == "application/pkix-crl":
        reply = b"\x30\x82\x01\x10" + ctx.rng.randbytes(272)
    s.send(False, pr.http_response("200 OK", [("Content-Type", o["ctype"] if method == "GET" or "ipp" in o["ctype"] else "application/json")], reply))
    s.close()


def _tls(ctx, flow):
    o = flow.opts
    tls13 = o.get("tls13", True)
    s = ctx.session(flow)
    s.send(True, pr.tls_client_hello(o["sni"], o["alpn"], ctx.rng, tls13))
    s.send(False, pr.tls_server_flight(ctx.rng, tls13, o["alpn"][0] if o["alpn"] else None))
    s.send(True, b"\x14\x03\x03\x00\x01\x01" + pr.tls_app_data(ctx.rng, 80))
    s.send(True, pr.tls_app_data(ctx.rng, o.get("size", 3000)))
    s.send(False, pr.tls_app_data(ctx.rng, max(400, o.get("size", 3000) // 20)))
    s.close()


def _pg(ctx, flow):
    o = flow.opts
    params = [("user", o["user"]), ("database", o["database"]), ("application_name", o["application"]),
              ("client_encoding", "UTF8")]
    if o.get("replication"):
        params = [("user", o["user"]), ("replication", "true"), ("application_name", o["application"])]
    s = ctx.session(flow)
    s.send(True, pr.pg_startup(params))
    s.send(False, pr.pg_server_ready("16.2" if "dpi" in flow.server else "15.6", ctx.rng))
    if o.get("replication"):
        s.send(True, pr.pg_query("IDENTIFY_SYSTEM"))
    elif o["application"] == "postgres_fdw":
        s.send(True, pr.pg_query("START TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    else:
        s.send(True, pr.pg_query("SELECT 1"))
    s.send(False, pr.pg_command_complete("SELECT 1"))
    s.send(True, pr.pg_terminate())
    s.close()


def _mysql(ctx, flow):
    s = ctx.session(flow)
    s.send(False, pr.mysql_greeting("5.5.5-10.11.6-MariaDB-0+deb12u1", ctx.rng.randint(100, 9000), ctx.rng))
    s.send(True, pr.mysql_login(flow.opts["user"], flow.opts["database"], ctx.rng))
    s.send(False, pr.mysql_ok())
    s.send(True, b"\x01\x00\x00\x00\x01")
    s.close()


def _tds(ctx, flow):
    s = ctx.session(flow)
    s.send(True, pr.tds_prelogin())
    s.send(False, pr.tds_prelogin(response=True))
    s.send(True, b"\x12\x01\x00\x4a\x00\x00\x01\x00" + b"\x16\x03\x01\x00\x3d" + ctx.rng.randbytes(61))
    s.close()


def _tns(ctx, flow):
    o = flow.opts
    srv = ctx.by_key[flow.server]
    data = (f"(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME={o['service']})(CID=(PROGRAM={o['program']})"
            f"(HOST={flow.client})(USER={o['user']})))(ADDRESS=(PROTOCOL=TCP)(HOST={srv.ip})(PORT={flow.port})))")
    s = ctx.session(flow)
    s.send(True, pr.tns_connect(data))
    s.send(False, pr.tns_accept())
    s.close()


def _ldap(ctx, flow):
    base = ",".join(f"DC={p}" for p in DOMAIN.split("."))
    s = ctx.session(flow)
    s.send(True, pr.ldap_bind_request(1, ctx.rng))
    s.send(False, pr.ldap_result(1, 0x61))
    s.send(True, pr.ldap_search_request(2, base, ["sAMAccountName", "memberOf", "displayName"]))
    s.send(False, pr.ldap_search_entry(2, f"CN=Utilisateurs,{base}") + pr.ldap_result(2, 0x65))
    s.send(True, pr.ber(0x30, pr.ber_int(3) + b"\x42\x00"))
    s.close()


def _kerberos(ctx, flow):
    udp_exchange(ctx.w, ctx.clock, ctx.endpoint(flow.client), ctx.endpoint(flow.server), flow.sport, 88,
                 pr.kerberos_as_req(REALM, flow.opts["principal"], ctx.rng.getrandbits(31)), pr.kerberos_error(REALM))


def _ntp(ctx, flow):
    udp_exchange(ctx.w, ctx.clock, ctx.endpoint(flow.client), ctx.endpoint(flow.server), 123, 123,
                 pr.ntp_packet(3, ctx.rng), pr.ntp_packet(4, ctx.rng))


def _smb(ctx, flow):
    s = ctx.session(flow)
    s.send(True, pr.smb2_negotiate_request(ctx.rng))
    s.send(False, pr.smb2_negotiate_response(ctx.rng))
    s.close()


def _astm(ctx, flow):
    o = flow.opts
    s = ctx.session(flow)
    s.send(True, pr.ENQ)
    s.send(False, pr.ACK)
    records = [f"H|\\^&|||{o['sender']}^1.0^SN0451|||||LABMW||P|1|20260302081512"]
    for i, idx in enumerate(o["patients"]):
        p = PATIENTS[idx]
        records += [f"P|{i + 1}||{p['ipp']}||{p['family']}^{p['given']}||{p['dob']}|{p['sex']}",
                    f"O|1|{p['nda']}01||^^^GLU\\^^^CREA|R||||||N",
                    "R|1|^^^GLU|5.4|mmol/L|3.9^5.8|N||F||||20260302081400",
                    "R|2|^^^CREA|71|umol/L|45^90|N||F||||20260302081400"]
    records.append("L|1|N")
    for n, rec in enumerate(records, start=1):
        s.send(True, pr.astm_frame(n, rec))
        s.send(False, pr.ACK)
    s.send(True, pr.EOT)
    s.close()


def _smtp(ctx, flow):
    s = ctx.session(flow)
    s.send(False, f"220 {_fqdn(ctx, flow.server)} ESMTP Postfix (Debian/GNU)\r\n".encode())
    s.send(True, f"EHLO {_fqdn(ctx, flow.client)}\r\n".encode())
    s.send(False, f"250-{_fqdn(ctx, flow.server)}\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250 8BITMIME\r\n".encode())
    s.send(True, b"QUIT\r\n")
    s.send(False, b"221 2.0.0 Bye\r\n")
    s.close()


def _ssh(ctx, flow):
    s = ctx.session(flow)
    s.send(False, b"SSH-2.0-OpenSSH_8.7\r\n")
    s.send(True, b"SSH-2.0-Veeam_Transport_12.1\r\n")
    s.send(True, ctx.rng.randbytes(flow.opts.get("size", 1500)))
    s.send(False, ctx.rng.randbytes(800))
    s.close()


def _opaque(ctx, flow):
    s = ctx.session(flow)
    s.send(True, ctx.rng.randbytes(flow.opts.get("size", 2000)))
    s.send(False, ctx.rng.randbytes(200))
    s.close()


def _zabbix(ctx, flow):
    s = ctx.session(flow)
    s.send(True, pr.zabbix("system.cpu.load[all,avg1]"))
    s.send(False, pr.zabbix(f"{ctx.rng.random():.2f}"))
    s.close()


def _rdp(ctx, flow):
    s = ctx.session(flow)
    s.send(True, pr.rdp_connection_request("adm-dsi"))
    s.send(False, pr.rdp_connection_confirm())
    s.send(True, pr.tls_client_hello(flow.server.upper(), [], ctx.rng, False))
    s.close()


RENDER = {"hl7": _hl7, "dicom-store": _dicom_store, "dicom-mwl": _dicom_mwl, "dicomweb": _dicomweb,
          "fhir": _fhir, "http": _http, "tls": _tls, "pg": _pg, "mysql": _mysql, "tds": _tds, "tns": _tns,
          "ldap": _ldap, "kerberos": _kerberos, "ntp": _ntp, "smb": _smb, "astm": _astm, "smtp": _smtp,
          "ssh": _ssh, "opaque": _opaque, "zabbix": _zabbix, "rdp": _rdp}


def _dns_section(ctx: _Ctx) -> None:
    """Resolutions a client makes before talking to a named server, answered by the site's DCs."""
    dcs = [h for h in ctx.site.hosts if h.name and h.name.endswith(("dc01", "dc02")) and h.name in
           (ctx.site.prefix + "dc01", ctx.site.prefix + "dc02")]
    seen = set()
    txid = 0x1000
    for flow in ctx.site.flows:
        if flow.server in seen:
            continue
        if flow.server.startswith("ext:"):
            name, answer = flow.server[4:], EXTERNAL[flow.server]
            cname = AZURE_CNAME if name == AZURE_BLOB else None
            auth = False
        else:
            target = ctx.by_key[flow.server]
            if not target.name or not target.in_dns:
                continue
            name, answer, cname, auth = f"{target.name}.{DOMAIN}", target.ip, None, True
        seen.add(flow.server)
        dc = dcs[len(seen) % len(dcs)]
        txid += 1
        udp_exchange(ctx.w, ctx.clock, ctx.endpoint(flow.client), ctx.endpoint(dc.key), ctx.rng.randint(49152, 65000), 53,
                     pr.dns_query(txid, name), pr.dns_answer(txid, name, answer, cname, auth))


def write_capture(site: Site, path, seed: int) -> int:
    """Write ``site``'s capture to ``path``; returns the number of frames."""
    rng = random.Random(f"{seed}:pcap:{site.id}")
    with open(path, "wb") as fh:
        w = PcapWriter(fh)
        ctx = _Ctx(site, w, rng)
        _dns_section(ctx)
        for flow in site.flows:
            ctx.clock.jump(rng.uniform(0.5, 20.0))
            RENDER[flow.kind](ctx, flow)
        return w.count
