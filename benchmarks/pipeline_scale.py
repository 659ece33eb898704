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
(only the new bundles are imported; derived stages re-run because the graph changed),
then `hdscan run` once more with nothing new (every stage kept). Both are printed beside
the first run's total.

    python3 benchmarks/pipeline_scale.py                     # 500 and 1000 servers
    python3 benchmarks/pipeline_scale.py --sizes 500,1000,2000,5000 --sites 10

Not run in CI: it takes minutes at the larger sizes. Wall times are noisy on a shared
machine; the CPU column (user + system of the stage's process) is steadier.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
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


def measure(args: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (bytes, sampled every 20 ms) and CPU seconds of one command."""
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = psutil.Popen(args, cwd=CWD, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stderr.read().decode()[-2000:]}")
    return elapsed, peak, _children_cpu() - cpu0


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
            run = [sys.executable, "-m", "scanner", "run", str(estate), "-o", str(out), "-q"]
            if opts.only_incremental:
                generate(estate, size, opts.sites, opts.flows_per_server * size)
                first, peak1, cpu1 = measure(run)
                print(f"first `hdscan run` at {size} servers: {first:.1f} s (cpu {cpu1:.1f} s, "
                      f"peak {peak1 / 1e6:.0f} MB)", flush=True)
                totals[size] = first
            generate(estate, size, opts.sites, opts.flows_per_server * size, days=2)
            day2, peak2, cpu2 = measure(run)
            same, peak3, cpu3 = measure(run)
            print(f"\nincremental at {size} servers: first run {totals[size]:.1f} s; "
                  f"one more day of agent bundles {day2:.1f} s (cpu {cpu2:.1f} s, peak "
                  f"{peak2 / 1e6:.0f} MB); nothing new {same:.1f} s (cpu {cpu3:.1f} s, peak "
                  f"{peak3 / 1e6:.0f} MB)")
    finally:
        if opts.keep:
            print(f"estates kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
