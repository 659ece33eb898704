"""Speed, peak memory, recall and precision of hdscan's SQL dump reader beside plain sqlparse.

Generates (once, cached under /tmp/hdscan-bench-sql) a mixed pg_dump-style dump of
``--size`` MB whose links are known (``benchmarks/sqlgen.py``), then runs each contender
in its own Python process, one after the other, which reports its own processing time
(after imports) and peak RSS (``getrusage`` of itself):

1. ``hdscan``: ``scanner.collect.sql.dump.collect`` over the whole dump, every
   observation iterated;
2. ``sqlparse.split``: ``sqlparse.split`` of the text, then hdscan's link finder on the
   statements that mention a link keyword (comments stripped by ``sqlparse.format``);
3. ``sqlparse parse``: ``sqlparse.split`` then ``sqlparse.parse`` of every statement
   (a statement sqlparse refuses — more than 10,000 tokens — is counted and lost),
   comment tokens dropped, then the same link finder;
4. ``regex pre-filter``: one anchored bytes regex over 1 MiB chunks flagging the lines
   where link statements start — the speed ceiling; it resolves no target, so its
   recall and precision are on link-statement lines, not on links.

sqlparse is slow (about 1 and 0.3 MB/s), so contenders 2 and 3 read only the first
``--split-mb`` / ``--parse-mb`` MB (cut at a block boundary) and are scored against the
links of that prefix; their full-size time is projected from their rate and marked ``*``.

    python3 benchmarks/sql_dump_speed.py                 # 200 MB
    python3 benchmarks/sql_dump_speed.py --size 1000     # 1 GB (needs ~1 GB in /tmp)
    python3 benchmarks/sql_dump_speed.py --flavour all   # pg_dump, mysqldump, SSMS, Oracle
    python3 benchmarks/sql_dump_speed.py --only hdscan --code /tmp/before   # another tree's code

``CPU MB/s`` divides by the contender's own CPU time (``time.process_time``): on a
machine shared with other jobs it moves much less than the wall-clock ``MB/s``.

``--flavour`` picks the tool whose dump is generated (``sqlgen.FLAVOURS``: ``postgresql``
pg_dump in UTF-8, ``mysql`` mysqldump, ``sqlserver`` SSMS script with ``GO`` batches in
cp1252, ``oracle`` SQL*Plus script with ``/`` terminators in latin-1); each flavour gets
its own table.

Not run in CI: a 200 MB run takes a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlgen  # noqa: E402

SOURCE = f"inputs/sql/dpi-db01/{sqlgen.SOURCE_DB}.sql"
CONTENDERS = ("hdscan", "sqlparse.split", "sqlparse parse", "regex pre-filter")

# a link statement starts a line with one of these heads (one anchored regex) …
_HEAD_RX = re.compile(
    rb"^[ \t]*(?:CREATE[ \t]+(?:SERVER|FOREIGN[ \t]+TABLE|(?:SHARED[ \t]+)?(?:PUBLIC[ \t]+)?"
    rb"DATABASE[ \t]+LINK|(?:OR[ \t]+REPLACE[ \t]+)?(?:PUBLIC[ \t]+)?SYNONYM)"
    rb"|EXEC(?:UTE)?[ \t]+(?:master\.dbo\.)?sp_addlinkedserver"
    rb"|IMPORT[ \t]+FOREIGN[ \t]+SCHEMA)", re.M | re.I)
# … or uses a link inside a statement that may start on an earlier line: found with
# bytes.find on the lower-cased chunk (C speed), then checked with a regex
_USE_WORDS = ((b"dblink", re.compile(rb"dblink(?:_connect)?[ \t]*\(")),
              (b"engine", re.compile(rb"engine[ \t]*=[ \t]*(?:federated|connect)\b")),
              (b"openquery", re.compile(rb"openquery[ \t]*\(")),
              (b"open", re.compile(rb"open(?:rowset|datasource)[ \t]*\(")))
# Oracle only: ``name@link`` uses (T-SQL variables start with @ too)
_ORACLE_USE = (b"@", re.compile(rb'@[ \t]*"?[a-z_]'))


def _statement_start(chunk: bytes, at: int) -> int:
    """Heuristic: the start of the last line before ``at`` that begins with A-Z."""
    at = chunk.rfind(b"\n", 0, at)
    while at >= 0 and not 65 <= chunk[at + 1] <= 90:
        at = chunk.rfind(b"\n", 0, at)
    return at + 1


def _key(d: dict) -> list:
    return [d["mechanism"], d.get("object"), d["target_host"], d.get("target_port"),
            d.get("target_engine"), d.get("target_database")]


def _prefix(path: Path, limit: int, flavour: str = "postgresql") -> tuple[str, int]:
    """The text of the dump up to the last block boundary before ``limit`` bytes."""
    with open(path, "rb") as f:
        data = f.read(limit)
    if len(data) == limit:
        data = data[:data.rfind(b"\n\n") + 2]
    return data.decode(sqlgen.ENCODINGS[flavour]), len(data)


def _finder_over(texts, engine: str = "postgresql") -> list:
    """hdscan's link finder fed with statement texts from another splitter."""
    from scanner.collect.sql.links import LinkFinder
    from scanner.collect.sql.splitter import Statement
    finder = LinkFinder(engine)
    for text in texts:
        finder.feed(Statement(0, text.strip()), sqlgen.SOURCE_DB)
    return [_key({"mechanism": k.mechanism, "object": k.object, "target_host": k.target.host,
                  "target_port": k.target.port, "target_engine": k.target.engine,
                  "target_database": k.target.database}) for k in finder.links()]


def run_child(name: str, path: Path, limit: int, flavour: str = "postgresql") -> dict:
    """One contender in this process: what it found, bytes read and seconds taken."""
    from scanner.collect.sql.dump import collect
    from scanner.collect.sql.links import _KEYWORDS
    if name.startswith("sqlparse"):
        import sqlparse
        from sqlparse import tokens as T
    start, cpu = time.perf_counter(), time.process_time()
    found, lines, refused, read = [], [], [], path.stat().st_size
    if name == "hdscan":
        for o in collect(path, SOURCE):
            if o.kind == "db_link":
                found.append(_key(o.data))
                lines.append(int(o.evidence.location.split()[1]))
    elif name == "sqlparse.split":
        text, read = _prefix(path, limit, flavour)
        statements = sqlparse.split(text)
        del text

        def stripped():
            for s in statements:
                if not _KEYWORDS.search(s):
                    continue
                try:
                    yield sqlparse.format(s, strip_comments=True)
                except sqlparse.exceptions.SQLParseError:
                    refused.append(1)       # e.g. T-SQL batches glued together (no GO)
        found = _finder_over(stripped(), flavour)
    elif name == "sqlparse parse":
        text, read = _prefix(path, limit, flavour)

        statements = sqlparse.split(text)
        del text

        def bare():
            for s in statements:
                try:
                    st = sqlparse.parse(s)[0]
                except sqlparse.exceptions.SQLParseError:
                    refused.append(1)           # sqlparse's own limit: 10,000 tokens
                    continue
                yield "".join(t.value for t in st.flatten() if t.ttype not in T.Comment)
        found = _finder_over(bare(), flavour)
    elif name == "regex pre-filter":
        line, tail = 1, b""
        with open(path, "rb") as f:
            while True:
                block = f.read(1 << 20)
                chunk = tail + block
                cut = len(chunk) if not block else chunk.rfind(b"\n") + 1
                chunk, tail = chunk[:cut], chunk[cut:]
                starts = [m.start() for m in _HEAD_RX.finditer(chunk)]
                low = chunk.lower()
                for word, rx in _USE_WORDS + ((_ORACLE_USE,) if flavour == "oracle" else ()):
                    at = low.find(word)
                    while at >= 0:
                        if rx.match(low, at):
                            starts.append(_statement_start(chunk, at))
                        at = low.find(word, at + 1)
                lines.extend(line + chunk.count(b"\n", 0, at) for at in starts)
                line += chunk.count(b"\n")
                if not block:
                    break
        lines = sorted(set(lines))
    else:
        raise SystemExit(f"unknown contender {name!r}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"found": found, "lines": lines, "bytes": read, "seconds": seconds, "peak": peak,
            "refused": len(refused), "cpu": cpu}


def measure(name: str, path: Path, limit: int, flavour: str = "postgresql",
            code: str | None = None) -> dict:
    """Run one contender in its own process; its JSON report."""
    proc = subprocess.run([sys.executable, __file__, "--child", name, "--dump", str(path),
                           "--limit", str(limit), "--flavour", flavour]
                          + (["--code", code] if code else []), cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=float, default=200, help="dump size in MB (10^6 bytes)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--split-mb", type=float, default=20, help="prefix read by sqlparse.split")
    ap.add_argument("--parse-mb", type=float, default=5, help="prefix read by sqlparse parse")
    ap.add_argument("--only", default=",".join(CONTENDERS), help="contenders, comma-separated")
    ap.add_argument("--flavour", default="postgresql",
                    help=f"dump flavour(s), comma-separated, or 'all' ({', '.join(sqlgen.FLAVOURS)})")
    ap.add_argument("--code", help="another checkout (or 'git archive' of one) whose scanner/ "
                    "hdscan runs, for before/after runs")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--dump", help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.child:
        if opts.code:
            sys.path.insert(0, str(Path(opts.code).resolve()))
        print(json.dumps(run_child(opts.child, Path(opts.dump), opts.limit, opts.flavour)))
        return
    flavours = (sqlgen.FLAVOURS if opts.flavour == "all"
                else [f.strip() for f in opts.flavour.split(",") if f.strip()])
    for flavour in flavours:
        if flavour not in sqlgen.FLAVOURS:
            raise SystemExit(f"unknown flavour {flavour!r}: {', '.join(sqlgen.FLAVOURS)}")
    for i, flavour in enumerate(flavours):
        if i:
            print()
        _bench(opts, flavour)


def _bench(opts, flavour: str) -> None:
    """One flavour's table (see the module docstring)."""

    t0 = time.perf_counter()
    path, truth = sqlgen.cached(int(opts.size * 1e6), opts.seed, flavour=flavour)
    size = truth.bytes
    print(f"{flavour} dump ({sqlgen.ENCODINGS[flavour]}): {path} ({size / 1e6:.1f} MB, {len(truth.links)} links, "
          f"{len(truth.statement_lines)} link statements, "
          f"{sum(truth.decoys.values())} decoys; ready in {time.perf_counter() - t0:.1f} s)")
    limits = {"sqlparse.split": int(opts.split_mb * 1e6), "sqlparse parse": int(opts.parse_mb * 1e6)}
    print(f"{'contender':<17} {'MB read':>8} {'seconds':>8} {'MB/s':>7} {'CPU MB/s':>8} {'peak MB':>8} "
          f"{'links':>6} {'recall':>7} {'precis.':>7}")
    rates, notes = {}, []
    for name in [c.strip() for c in opts.only.split(",") if c.strip()]:
        got = measure(name, path, limits.get(name, 0), flavour, opts.code)
        rate = got["bytes"] / 1e6 / got["seconds"]
        rates[name] = rate
        partial = got["bytes"] < size
        if name == "regex pre-filter":
            recall, precision, missed, spurious = truth.score_lines(got["lines"])
            count = f"{len(got['lines'])}L"
        else:
            found = [tuple(k) for k in got["found"]]
            recall, precision, missed, spurious = truth.score(found, got["bytes"] if partial else None)
            count = str(len(set(found)))
        seconds = got["seconds"] if not partial else size / 1e6 / rate
        cpu_rate = got["bytes"] / 1e6 / max(got["cpu"], 1e-9)
        print(f"{name:<17} {got['bytes'] / 1e6:>8.1f} {seconds:>7.1f}{'*' if partial else ' '} "
              f"{rate:>7.{1 if rate >= 10 else 2}f} {cpu_rate:>8.{1 if cpu_rate >= 10 else 2}f} "
              f"{got['peak'] / 1e6:>8.1f} {count:>6} {recall:>7.3f} {precision:>7.3f}")
        if got["refused"]:
            notes.append(f"  {name}: sqlparse refused {got['refused']} statements "
                         f"(more than 10,000 tokens)")
        for label, items in (("missed", missed), ("spurious", spurious)):
            if items:
                notes.append(f"  {name} {label} {len(items)}, e.g. {items[:2]}")
    if "hdscan" in rates:
        for other in ("sqlparse.split", "sqlparse parse"):
            if other in rates:
                print(f"hdscan / {other}: {rates['hdscan'] / rates[other]:.0f}x faster")
    print("* projected for the whole dump from the rate on a prefix; 'L' = flagged lines "
          "(the pre-filter is scored on link-statement lines)")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
