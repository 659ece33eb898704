"""Lab traffic for the live-capture test: tiny servers and clients, bounded in count and time.

Run inside network namespaces by ``test_live_capture.py``::

    python3 live_traffic.py server ADDR READY_FILE   # MLLP 6661, PostgreSQL-like 5433, DNS 53/udp
    python3 live_traffic.py client ADDR              # 3 HL7 messages, a startup, 2 DNS queries

The HL7 messages carry PID segments with the canary patient names below; the test
proves none reaches a segment file. The servers answer what they are sent (an HL7 ACK
per message, AuthenticationOk + ReadyForQuery, a DNS A answer) and exit after serving
the expected exchanges or after ``LIMIT_S`` seconds, whichever comes first.
"""

from __future__ import annotations

import random
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from sample_estates.gen import protocols as p  # noqa: E402

CANARIES = ("HFCANARYDURAND", "HFCANARYMARIE", "HFCANARY-IPP-991177")
PATIENT = {"ipp": CANARIES[2], "nir": "2850675123456", "family": CANARIES[0],
           "given": CANARIES[1], "dob": "19850101", "sex": "F", "address": "1 RUE DU LAB",
           "unit": "CARDIO", "rpps": "10101010101", "nda": "HF4242"}
MLLP_PORT, PG_PORT, DNS_PORT = 6661, 5433, 53
DNS_NAMES = {"pacs-hf.lab.local": "10.231.0.2", "hl7-hf.lab.local": "10.231.0.2"}
LIMIT_S = 20
MESSAGES = 3


def _read_mllp(conn) -> bytes | None:
    buf = b""
    while not buf.endswith(p.FS + p.CR):
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return buf


def _mllp_server(sock):
    conn, _ = sock.accept()
    conn.settimeout(LIMIT_S)
    with conn:
        for i in range(MESSAGES):
            if _read_mllp(conn) is None:
                return
            ack = p.hl7_ack("ADT^A01", ("LABHF", "CHSA"), ("DPIHF", "CHSA"), "20261123100000",
                            f"HF{i}")
            conn.sendall(p.mllp(ack))


def _pg_server(sock):
    conn, _ = sock.accept()
    conn.settimeout(LIMIT_S)
    with conn:
        head = conn.recv(4)
        if len(head) == 4:
            need = int.from_bytes(head, "big") - 4
            while need > 0:
                chunk = conn.recv(need)
                if not chunk:
                    return
                need -= len(chunk)
            conn.sendall(p.pg_server_ready("16.4", random.Random(7)))
            conn.recv(1024)                              # Terminate, then the client closes


def _dns_server(sock):
    for _ in range(len(DNS_NAMES)):
        data, peer = sock.recvfrom(2048)
        txid = int.from_bytes(data[:2], "big")
        labels, i = [], 12
        while data[i]:
            labels.append(data[i + 1:i + 1 + data[i]].decode())
            i += 1 + data[i]
        name = ".".join(labels)
        sock.sendto(p.dns_answer(txid, name, DNS_NAMES.get(name, "10.231.0.9")), peer)


def server(addr: str, ready: str) -> None:
    socks = []
    for port, kind in ((MLLP_PORT, socket.SOCK_STREAM), (PG_PORT, socket.SOCK_STREAM),
                       (DNS_PORT, socket.SOCK_DGRAM)):
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        if kind == socket.SOCK_STREAM:
            s.listen(4)
        s.settimeout(LIMIT_S)
        socks.append(s)
    threads = [threading.Thread(target=f, args=(s,), daemon=True)
               for f, s in zip((_mllp_server, _pg_server, _dns_server), socks)]
    for t in threads:
        t.start()
    Path(ready).write_text("ready\n")
    deadline = time.monotonic() + LIMIT_S
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    for s in socks:
        s.close()


def client(addr: str) -> None:
    with socket.create_connection((addr, MLLP_PORT), timeout=LIMIT_S) as c:
        for i in range(MESSAGES):
            msg = p.hl7_message("ADT^A01", ("DPIHF", "CHSA"), ("LABHF", "CHSA"),
                                "20261123100000", f"HF{i}",
                                p.hl7_patient_segments("ADT^A01", PATIENT, "20261123100000"))
            c.sendall(p.mllp(msg))
            if _read_mllp(c) is None:
                raise SystemExit("MLLP server closed early")
    with socket.create_connection((addr, PG_PORT), timeout=LIMIT_S) as c:
        c.sendall(p.pg_startup([("user", "hf_reader"), ("database", "dpi_hf"),
                                ("application_name", "hf-lab-client")]))
        got = b""
        while not got.endswith(b"Z\x00\x00\x00\x05I"):
            chunk = c.recv(4096)
            if not chunk:
                break
            got += chunk
        c.sendall(p.pg_terminate())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(LIMIT_S)
        for txid, name in enumerate(sorted(DNS_NAMES), 1):
            u.sendto(p.dns_query(txid, name), (addr, DNS_PORT))
            u.recvfrom(2048)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], sys.argv[3])
    else:
        client(sys.argv[2])
