"""Time and peak memory of every stage of `hdscan run`, at several estate sizes.

Generates estates with the sample generator (`--servers N --sites S`), then runs each
stage as its own `python -m scanner <stage>` process so its wall time and peak RSS are
its own. Prints one table row per (size, stage) and the growth ratio against the
previous size, so the growth curve is visible (issue #9 asks for no stage worse than
n log n in servers and flows).

    python3 benchmarks/pipeline_scale.py                     # 500 and 1000 servers
    python3 benchmarks/pipeline_scale.py --sizes 500,1000,2000,5000 --sites 10

Not run in CI: it takes minutes at the larger sizes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
STAGES = (("import", ["import", "{estate}", "-o", "{out}", "-q"]),
          ("graph", ["graph", "-o", "{out}"]),
          ("classify", ["classify", "-o", "{out}"]),
          ("plan", ["plan", "-o", "{out}"]),
          ("report", ["report", "-o", "{out}"]),
          ("export", ["export", "-o", "{out}"]))


def measure(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes, sampled every 20 ms) of one command."""
    start = time.perf_counter()
    proc = psutil.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
    return elapsed, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,1000", help="servers per estate, comma-separated")
    ap.add_argument("--sites", type=int, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the generated estates")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hdscan-bench-"))
    print(f"{'servers':>8} {'stage':<9} {'seconds':>9} {'peak MB':>9} {'x prev':>7}")
    previous: dict[str, float] = {}
    try:
        for size in [int(s) for s in opts.sizes.split(",")]:
            estate, out = work / f"estate-{size}", work / f"out-{size}"
            gen_s, _ = measure([sys.executable, "-m", "sample_estates.generate", "--out",
                                str(estate), "--servers", str(size), "--sites", str(opts.sites)])
            files = sum(1 for p in (estate / "inputs").rglob("*") if p.is_file())
            mb = sum(p.stat().st_size for p in (estate / "inputs").rglob("*") if p.is_file()) / 1e6
            print(f"{size:>8} {'(inputs)':<9} {gen_s:>9.1f} {'':>9} {'':>7}  "
                  f"{files} files, {mb:.1f} MB generated")
            total = 0.0
            for name, template in STAGES:
                args = [sys.executable, "-m", "scanner"] + [
                    a.format(estate=estate, out=out) for a in template]
                seconds, peak = measure(args)
                total += seconds
                ratio = f"{seconds / previous[name]:.2f}" if name in previous else ""
                previous[name] = seconds
                print(f"{size:>8} {name:<9} {seconds:>9.2f} {peak / 1e6:>9.1f} {ratio:>7}")
            report = out / "report" / "index.html"
            print(f"{size:>8} {'total':<9} {total:>9.2f} {'':>9} {'':>7}  "
                  f"report {report.stat().st_size / 1e6:.1f} MB")
    finally:
        if opts.keep:
            print(f"estates kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
