"""Deterministic generator of a large classic pcap for the reader benchmark (issue #4).

Owns the *traffic mix* of the benchmark capture, not its bytes: frames, TCP sessions and
checksums come from ``sample_estates/gen/pcapwriter.py`` and application payloads from
``sample_estates/gen/protocols.py`` (imported, not copied). Every conversation has its own
client address, so each one is exactly one hdscan flow and one 5-tuple conversation; the
generator returns the set of flows it wrote so tests can check the reader against it.

The mix, cycled with a seeded generator: HL7 v2 over MLLP (port 6661, no PID segment),
DICOM association + C-STORE with pixel data (port 104 or 4242), TLS 1.3 ClientHello and
encrypted records (443), PostgreSQL startup and a query (5432 or 5433), DNS query/answer
over UDP (53). TCP conversations have a three-way handshake and a FIN close. To reach
the requested size, each TCP conversation carries bulk data (pixel data, TLS records,
query results) equal to the running deficit against ``size_bytes``. A TCP conversation
without bulk takes about 1.5 kB, a DNS exchange about 200 bytes, so to fit 200,000
conversations in 100 MB raise ``dns_weight`` (14 gives about 78 % DNS).

    python3 benchmarks/pcapgen.py out.pcap --conversations 10000 --size-mb 100
    python3 benchmarks/pcapgen.py out.pcap --conversations 200000 --size-mb 100 --dns-weight 14
"""

from __future__ import annotations

import argparse
import random
import socket
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sample_estates.gen import protocols as pr  # noqa: E402
from sample_estates.gen.pcapwriter import (Clock, Endpoint, PcapWriter, TcpSession,  # noqa: E402
                                           udp_exchange)

START_US = 1_772_438_400_000_000          # 2026-03-02T08:00:00Z: fixed, never "now"
KINDS = ("hl7", "dicom", "tls", "postgresql", "dns")
MAX_BULK = 256 * 1024                     # bulk bytes one conversation may absorb
GATEWAY_MAC = "02:00:00:00:00:fe"
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


@dataclass
class Manifest:
    """What was written: counts, and the flows ``(client, server, port, transport)``."""

    packets: int = 0
    bytes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    flows: set[tuple[str, str, int, str]] = field(default_factory=set)


def client_ip(index: int) -> str:
    """A distinct client address per conversation (up to about 10 million)."""
    return f"10.{100 + (index >> 16)}.{(index >> 8) & 255}.{index & 255}"


def _mac(prefix: int, index: int) -> str:
    return f"02:{prefix:02x}:{(index >> 24) & 255:02x}:{(index >> 16) & 255:02x}:" \
           f"{(index >> 8) & 255:02x}:{index & 255:02x}"


SERVERS = {   # kind → (server address, ports it listens on)
    "hl7": ("172.16.10.5", (6661,)),
    "dicom": ("172.16.20.7", (104, 4242)),
    "tls": ("172.16.30.9", (443,)),
    "postgresql": ("172.16.40.11", (5432, 5433)),
    "dns": ("172.16.0.53", (53,)),
}


def _hl7(session: TcpSession, i: int, bulk: int) -> None:
    ts = "20260302080000"
    msg = pr.hl7_message("ADT^A01", ("DXCARE", "CHSA"), ("PACS", "CHSA"), ts, f"M{i}",
                         [f"EVN|A01|{ts}"])
    session.send(True, pr.mllp(msg))
    session.send(False, pr.mllp(pr.hl7_ack("ADT^A01", ("PACS", "CHSA"), ("DXCARE", "CHSA"), ts,
                                           f"M{i}")))
    if bulk:   # a batch of further messages, each a padded OBX-free ADT
        filler = "NTE|1||" + "X" * max(0, bulk - 120)
        session.send(True, pr.mllp(pr.hl7_message("ADT^A08", ("DXCARE", "CHSA"), ("PACS", "CHSA"),
                                                  ts, f"N{i}", [filler])))


def _dicom(session: TcpSession, i: int, bulk: int) -> None:
    session.send(True, pr.dicom_associate_rq("PACS_CHSA", f"MODALITY{i % 50}", [CT_IMAGE]))
    session.send(False, pr.dicom_associate_ac("PACS_CHSA", f"MODALITY{i % 50}", 1))
    uid = f"1.2.826.0.1.3680043.9.7433.2.{i}"
    session.send(True, pr.p_data(1, pr.dimse_command(0x0001, CT_IMAGE, 1, instance=uid), True))
    session.send(True, pr.p_data(1, pr.pixel_data(b"\x5a" * bulk), False))
    session.send(False, pr.p_data(1, pr.dimse_command(0x8001, CT_IMAGE, 1, responding=True,
                                                      status=0, has_dataset=False), True))
    session.send(True, pr.a_release_rq())
    session.send(False, pr.a_release_rp())


def _tls(session: TcpSession, i: int, bulk: int, rng: random.Random) -> None:
    session.send(True, pr.tls_client_hello(f"svc{i % 97}.ght-example.fr", ["h2", "http/1.1"], rng))
    session.send(False, pr.tls_server_flight(rng))
    if bulk:
        session.send(False, pr.tls_app_data(rng, bulk))


def _pg(session: TcpSession, i: int, bulk: int, rng: random.Random) -> None:
    session.send(True, pr.pg_startup([("user", "app"), ("database", f"db{i % 7}"),
                                      ("application_name", "benchmark")]))
    session.send(False, pr.pg_server_ready("15.6", rng))
    session.send(True, pr.pg_query("SELECT 1"))
    session.send(False, b"D" + (4 + bulk).to_bytes(4, "big") + b"\x00" * bulk
                 + pr.pg_command_complete("SELECT 1"))
    session.send(True, pr.pg_terminate())


def generate(path: Path, conversations: int, size_bytes: int, seed: int = 4,
             dns_weight: int = 1) -> Manifest:
    """Write ``conversations`` conversations, padded towards ``size_bytes``, to ``path``.

    ``dns_weight`` is how many times more often a conversation is a DNS exchange than
    each TCP kind; raising it lets many conversations fit a small file.
    """
    rng = random.Random(seed)
    kinds = KINDS[:-1] + ("dns",) * dns_weight
    clock = Clock(START_US, rng)
    manifest = Manifest()
    servers = {kind: Endpoint(ip, _mac(1, n), GATEWAY_MAC)
               for n, (kind, (ip, _ports)) in enumerate(sorted(SERVERS.items()))}
    with open(path, "wb") as fh:
        writer = PcapWriter(fh)
        for i in range(conversations):
            kind = kinds[rng.randrange(len(kinds))]
            client = Endpoint(client_ip(i), _mac(2, i), GATEWAY_MAC)
            server = servers[kind]
            port = rng.choice(SERVERS[kind][1])
            sport = 32768 + rng.randrange(28000)
            manifest.by_kind[kind] = manifest.by_kind.get(kind, 0) + 1
            manifest.flows.add((client.ip, server.ip, port, "udp" if kind == "dns" else "tcp"))
            if kind == "dns":
                name = f"host{i}.ght-example.fr"
                udp_exchange(writer, clock, client, server, sport, 53,
                             pr.dns_query(i & 0xFFFF, name),
                             pr.dns_answer(i & 0xFFFF, name, f"172.17.{(i >> 8) & 255}.{i & 255}"))
                continue
            due = size_bytes * (i + 1) // conversations
            bulk = min(MAX_BULK, max(0, due - fh.tell() - 1200))
            session = TcpSession(writer, clock, client, server, sport, port,
                                 rng.getrandbits(32), rng.getrandbits(32)).handshake()
            if kind == "hl7":
                _hl7(session, i, bulk)
            elif kind == "dicom":
                _dicom(session, i, bulk)
            elif kind == "tls":
                _tls(session, i, bulk, rng)
            else:
                _pg(session, i, bulk, rng)
            session.close()
        manifest.packets = writer.count
        manifest.bytes = fh.tell()
    return manifest


# ------------------------------------------------------------------ mixed (large) captures

def _frames(path: Path) -> list[tuple[int, bytes]]:
    """``(timestamp µs, frame)`` of every record of a small classic LE µs pcap."""
    data = path.read_bytes()
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, _orig = struct.unpack_from("<IIII", data, off)
        out.append((sec * 1_000_000 + usec, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def _v6(v4: bytes) -> bytes:
    """``fd00:4::a.b.c.d``: a distinct IPv6 address for an IPv4 one."""
    return b"\xfd\x00\x00\x04" + bytes(8) + v4


class _Link:
    """Frames of one conversation: Ethernet, 0-2 VLAN tags, IPv4 or IPv6, given addresses."""

    def __init__(self, tags: tuple[int, ...], ipv6: bool):
        self.head = b"".join(struct.pack("!HH", tpid, vid) for tpid, vid in tags)
        self.ipv6 = ipv6

    def frame(self, macs: bytes, src: bytes, dst: bytes, proto: int, l4: bytes) -> bytes:
        if self.ipv6:
            return (macs + self.head + b"\x86\xdd"
                    + struct.pack("!IHBB", 0x60000000, len(l4), proto, 64) + _v6(src) + _v6(dst)
                    + l4)
        return (macs + self.head + b"\x08\x00"
                + struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0)
                + src + dst + l4)


def generate_mixed(path: Path, conversations: int, size_bytes: int, seed: int = 4,
                   templates: int = 60) -> Manifest:
    """A large capture fast: conversations stamped from a small ``generate`` run.

    ``generate`` (full checksums, every kind) writes ``templates`` conversations to a
    side file; each of the ``conversations`` here replays one of them with its own
    client address and port, over plain Ethernet (70 %), one 802.1Q tag (15 %), QinQ
    (5 %) or IPv6 (10 %, ``fd00:4::`` + the IPv4 address), and TCP conversations get
    bulk data (server to client segments of 200–1448 bytes, each acknowledged) before
    their FIN until the file reaches ``size_bytes``. Checksums of the stamped frames are
    left 0 (readers and tshark do not verify them by default). About 440 bytes per
    packet: 1 GB is ~2.3 million packets.
    """
    rng = random.Random(seed)
    side = Path(str(path) + ".templates")
    generate(side, templates, templates * 1500, seed=seed)
    frames = _frames(side)
    side.unlink()
    by_client: dict[bytes, list[tuple[int, bytes]]] = {}
    for ts, f in frames:                                   # group by the template's client
        src, dst = f[26:30], f[30:34]
        client = src if src[:1] == b"\x0a" else dst      # clients 10/8, servers 172.16/12
        by_client.setdefault(client, []).append((ts, f))
    convs = list(by_client.values())
    noise = bytes(rng.getrandbits(8) for _ in range(4096))
    manifest = Manifest()
    ts = START_US
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def write(frame: bytes) -> None:
            nonlocal ts
            ts += rng.randrange(20, 400)
            fh.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(frame),
                                 len(frame)))
            fh.write(frame)
            manifest.packets += 1

        for i in range(conversations):
            template = convs[i % len(convs)]
            roll = rng.randrange(20)
            link = _Link((), roll < 2) if roll < 2 else \
                _Link(((0x8100, 100 + i % 50),), False) if roll < 5 else \
                _Link(((0x88A8, 20), (0x8100, 200 + i % 50)), False) if roll < 6 else \
                _Link((), False)
            first = template[0][1]
            t_client = first[26:30]
            client = bytes(int(x) for x in client_ip(i).split("."))
            sport = 1024 + (i * 7919) % 60000
            proto = first[23]
            dport = struct.unpack_from("!H", first, 36)[0]
            server = first[30:34]
            kind = "udp" if proto == 17 else "tcp"
            addr = (lambda b: socket.inet_ntop(socket.AF_INET6, _v6(b))) if link.ipv6 else \
                (lambda b: socket.inet_ntop(socket.AF_INET, b))
            manifest.flows.add((addr(client), addr(server), dport, kind))
            kname = {6661: "hl7", 104: "dicom", 4242: "dicom", 443: "tls", 5432: "postgresql",
                     5433: "postgresql", 53: "dns"}.get(dport, "other")
            manifest.by_kind[kname] = manifest.by_kind.get(kname, 0) + 1
            due = size_bytes * (i + 1) // conversations
            for _ts, f in template:
                up = f[26:30] == t_client
                macs = f[:12]
                ihl = (f[14] & 15) * 4
                l4 = bytearray(f[14 + ihl:])
                struct.pack_into("!H", l4, 0 if up else 2, sport)
                if proto == 6 and f[14 + ihl + 13] & 0x01 and up and kind == "tcp":
                    # before the client's FIN: bulk from the server, each segment acked
                    seq = 1
                    while fh.tell() < due - 1500:
                        size = rng.randrange(200, 1449)
                        at = rng.randrange(0, 4096 - size) if size < 4096 else 0
                        seg = struct.pack("!HHIIBBHHH", dport, sport, seq, 1, 0x50, 0x10,
                                          65535, 0, 0) + noise[at:at + size]
                        write(link.frame(macs[6:] + macs[:6], server, client, 6, seg))
                        seq += size
                        write(link.frame(macs, client, server, 6, struct.pack(
                            "!HHIIBBHHH", sport, dport, 1, seq, 0x50, 0x10, 65535, 0, 0)))
                    kind = "tcp-done"
                if up:
                    write(link.frame(macs, client, server, proto, bytes(l4)))
                else:
                    write(link.frame(macs, server, client, proto, bytes(l4)))
        manifest.bytes = fh.tell()
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("output", type=Path)
    ap.add_argument("--conversations", type=int, default=10_000)
    ap.add_argument("--size-mb", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--dns-weight", type=int, default=1,
                    help="DNS exchanges per TCP conversation of each kind (default 1)")
    ap.add_argument("--mixed", action="store_true",
                    help="stamp conversations from templates, with VLAN, QinQ and IPv6 mixed "
                         "in (fast: for the 1 GB capture)")
    opts = ap.parse_args()
    if opts.mixed:
        m = generate_mixed(opts.output, opts.conversations, int(opts.size_mb * 1_000_000),
                           opts.seed)
    else:
        m = generate(opts.output, opts.conversations, int(opts.size_mb * 1_000_000), opts.seed,
                     opts.dns_weight)
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(m.by_kind.items()))
    print(f"{opts.output}: {m.bytes / 1e6:.1f} MB, {m.packets} packets, "
          f"{len(m.flows)} conversations ({kinds})")


if __name__ == "__main__":
    main()
