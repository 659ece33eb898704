"""Time and peak memory of every stage of `hdscan run`, at several estate sizes, and of
an incremental re-run.

Generates estates with the sample generator (`--servers N --sites S --flow-records F`,
F = `--flows-per-server` x N: 2 million at 5,000 servers by default), then runs each
stage as its own `python -m scanner <stage>` process so its wall time, CPU time and peak
RSS are its own. Prints one table row per (size, stage) and the growth ratio of wall
time against the previous size, so the growth curve is visible (issue #9 asks for no
stage worse than n log n in servers and flows).

Then, on the largest estate, the incremental case: the generator adds one more day of
agent bundles (`--days 2`, earlier files byte-identical) and `hdscan run` is timed
(only the new bundles are imported; the graph is built from OUT/graph.state plus the new
observations when provably equal to a full rebuild, and the path taken is printed;
classify, plan, report and export re-run because the graph changed), then `hdscan run`
once more with nothing new (every stage kept). Each `hdscan run` is timed per stage (from
the moments its "[n/6] stage" progress lines arrive: wall, and CPU of the process and its
children) and the three runs are printed side by side.

    python3 benchmarks/pipeline_scale.py                     # 500 and 1000 servers
    python3 benchmarks/pipeline_scale.py --sizes 500,1000,2000,5000 --sites 10

Not run in CI: it takes minutes at the larger sizes. Wall times are noisy on a shared
machine; the CPU column (user + system of the stage's process) is steadier.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
CWD = ROOT
STAGES = (("import", ["import", "{estate}", "-o", "{out}", "-q"]),
          ("graph", ["graph", "-o", "{out}"]),
          ("classify", ["classify", "-o", "{out}"]),
          ("plan", ["plan", "-o", "{out}"]),
          ("report", ["report", "-o", "{out}"]),
          ("export", ["export", "-o", "{out}"]))


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _peak_rss(proc: psutil.Popen) -> int:
    """Wait for ``proc`` to exit, sampling its RSS every 20 ms; the peak, in bytes."""
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    return peak


def measure(args: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (bytes, sampled every 20 ms) and CPU seconds of one command."""
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = psutil.Popen(args, cwd=CWD, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = _peak_rss(proc)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stderr.read().decode()[-2000:]}")
    return elapsed, peak, _children_cpu() - cpu0


STAGE_LINE = re.compile(r"^\[(\d)/6\] (\w+)(: inputs unchanged, kept)?")


def measure_run(args: list[str]) -> dict:
    """One `hdscan run` (progress lines on): wall, CPU and kept flag per stage (from the
    times its "[n/6] stage" lines arrive), the whole run's wall, CPU and peak RSS."""
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = psutil.Popen(args, cwd=CWD, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                        text=True)
    marks: list[tuple[str, bool, float, float]] = []
    tail: list[str] = []

    def cpu_now() -> float:
        try:
            t = proc.cpu_times()
            return t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            return float("nan")

    def read() -> None:
        for line in proc.stderr:
            m = STAGE_LINE.match(line)
            if m:
                marks.append((m.group(2), bool(m.group(3)), time.perf_counter(), cpu_now()))
            tail.append(line)
            del tail[:-40]

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    peak = _peak_rss(proc)
    reader.join()
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{''.join(tail)}")
    # A stage lasts from its line to the next one (the last: to the exit); the first
    # starts with the process.
    ends = [(t, c) for _, _, t, c in marks[1:]] + [(start + wall, cpu)]
    stages = {}
    for i, (name, kept, t, c) in enumerate(marks):
        t0, c0 = (t, c) if i else (start, 0.0)
        stages[name] = {"wall": ends[i][0] - t0, "cpu": ends[i][1] - c0, "kept": kept}
    return {"wall": wall, "cpu": cpu, "peak": peak, "stages": stages}


def graph_note(out: Path) -> str:
    try:
        return json.loads((out / "stages.json").read_text())["stages"]["graph"].get("note", "")
    except (OSError, ValueError, KeyError):
        return ""


def generate(estate: Path, size: int, sites: int, flows: int, days: int = 1) -> float:
    seconds, _, _ = measure([sys.executable, "-m", "sample_estates.generate", "--out", str(estate),
                             "--servers", str(size), "--sites", str(sites),
                             "--flow-records", str(flows), "--days", str(days)])
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,1000", help="servers per estate, comma-separated")
    ap.add_argument("--sites", type=int, default=10)
    ap.add_argument("--flows-per-server", type=int, default=400,
                    help="flow records (Zeek conn lines) per server (default 400: 2 M at 5,000)")
    ap.add_argument("--no-incremental", action="store_true", help="skip the incremental re-runs")
    ap.add_argument("--only-incremental", action="store_true",
                    help="no stage table: `hdscan run` on the largest size, then one more day, "
                         "then nothing new")
    ap.add_argument("--keep", action="store_true", help="keep the generated estates")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hdscan-bench-"))
    # Run a frozen copy of the code: every size measured with the same code, and edits to
    # the checkout during the run do not change the stage fingerprints (OUT/stages.json
    # includes hdscan's own code) between the incremental runs.
    code = work / "code"
    for part in ("scanner", "rules", "reports", "sample_estates"):
        shutil.copytree(ROOT / part, code / part, ignore=shutil.ignore_patterns(
            "__pycache__", "ch-saint-aurelien"))
    global CWD
    CWD = code
    print(f"{'servers':>8} {'stage':<9} {'seconds':>9} {'cpu s':>8} {'peak MB':>9} {'x prev':>7}")
    previous: dict[str, float] = {}
    totals: dict[int, float] = {}
    try:
        sizes = [int(s) for s in opts.sizes.split(",")]
        for size in ([] if opts.only_incremental else sizes):
            estate, out = work / f"estate-{size}", work / f"out-{size}"
            flows = opts.flows_per_server * size
            gen_s = generate(estate, size, opts.sites, flows)
            files = sum(1 for p in (estate / "inputs").rglob("*") if p.is_file())
            mb = sum(p.stat().st_size for p in (estate / "inputs").rglob("*") if p.is_file()) / 1e6
            print(f"{size:>8} {'(inputs)':<9} {gen_s:>9.1f} {'':>8} {'':>9} {'':>7}  "
                  f"{files} files, {mb:.1f} MB, {flows} flow records generated")
            total = 0.0
            for name, template in STAGES:
                args = [sys.executable, "-m", "scanner"] + [
                    a.format(estate=estate, out=out) for a in template]
                seconds, peak, cpu = measure(args)
                total += seconds
                ratio = f"{seconds / previous[name]:.2f}" if name in previous else ""
                previous[name] = seconds
                print(f"{size:>8} {name:<9} {seconds:>9.2f} {cpu:>8.2f} {peak / 1e6:>9.1f} {ratio:>7}",
                      flush=True)
            totals[size] = total
            report = out / "report" / "index.html"
            print(f"{size:>8} {'total':<9} {total:>9.2f} {'':>8} {'':>9} {'':>7}  "
                  f"report {report.stat().st_size / 1e6:.1f} MB", flush=True)
        if not opts.no_incremental:
            size = sizes[-1]
            estate, out = work / f"estate-{size}", work / f"out-{size}"
            run = [sys.executable, "-m", "scanner", "run", str(estate), "-o", str(out)]
            runs = {}
            if opts.only_incremental or size not in totals:
                generate(estate, size, opts.sites, opts.flows_per_server * size)
                shutil.rmtree(out, ignore_errors=True)
                runs["first run"] = measure_run(run)
            generate(estate, size, opts.sites, opts.flows_per_server * size, days=2)
            runs["one more day"] = measure_run(run)
            notes = {"one more day": graph_note(out)}
            runs["nothing new"] = measure_run(run)
            print(f"\n`hdscan run` at {size} servers, per stage: wall / CPU seconds"
                  " (\"kept\": inputs unchanged)")
            print(f"{'stage':<9} " + " ".join(f"{k:>22}" for k in runs))
            for stage in ("import", "graph", "classify", "plan", "report", "export"):
                cells = []
                for r in runs.values():
                    st = r["stages"].get(stage)
                    cells.append("" if st is None else
                                 f"{st['wall']:.1f} / {st['cpu']:.1f}" + (" kept" if st["kept"] else ""))
                print(f"{stage:<9} " + " ".join(f"{c:>22}" for c in cells))
            print(f"{'total':<9} " + " ".join(f"{r['wall']:.1f} / {r['cpu']:.1f}".rjust(22)
                                             for r in runs.values()))
            print(f"{'peak MB':<9} " + " ".join(f"{r['peak'] / 1e6:.0f}".rjust(22) for r in runs.values()))
            print(f"graph, one more day: {notes['one more day']}")
            if "first run" not in runs:
                print(f"(first run: the stage table's total for {size} servers, {totals[size]:.1f} s)")
    finally:
        if opts.keep:
            print(f"estates kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
