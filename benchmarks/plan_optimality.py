"""How good is the wave heuristic, and how fast on a big estate? (issue #7, item 4)

1. Generates small estates (benchmarks/plangen.py: applications of 1–4 servers, HL7 care
   chains around interface engines, HTTP calls, a configured ordering; wave capacity 6
   servers, one tier-1 group per wave) and plans each twice, with the heuristic and with
   the exact solver (HiGHS via SciPy).  Prints per instance the heuristic's hybrid cost,
   the proven optimum, the gap, the waves of each and the times; then the average gap
   over the instances the exact solver closed (target ≤ 2 %).  Then 8 denser instances
   (a hub every 3 applications, more calls, capacity 5, two orderings).
2. Plans one generated 5,000-server estate (about 2,300 move groups, capacity 50 servers
   and 3 tier-1 groups per wave, 20 orderings, a pilot) with the default solver (the
   heuristic at that size) and prints the wall time of ``build_plan`` (target < 10 s).

    python3 benchmarks/plan_optimality.py                 # 24 + 8 dense instances, 5,000 servers
    python3 benchmarks/plan_optimality.py --sizes 8 --seeds 3 --dense 0 --servers 1000   # quick

The machine's load average is printed with the times, and the 5,000-server plan's CPU
time beside its wall time: on a shared 2-core machine the wall time varies with what else
runs, the CPU time much less.  Not run in CI (minutes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.plangen import instance  # noqa: E402
from scanner.plan import build_plan  # noqa: E402
from scanner.plan import exact  # noqa: E402


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


DENSE = {"hub_every": 3, "calls": 0.9, "wave_servers": 5, "orderings": 2}


def optimality(sizes, seeds, time_limit: float, dense: int = 0) -> list[float]:
    print(f"{'instance':>18} {'groups':>6} {'packed':>8} {'heuristic':>10} {'optimum':>9} "
          f"{'gap %':>7} {'waves h/x':>9} {'heur s':>7} {'exact s':>8}")
    gaps, packed = [], []
    runs = [(n, seed, {}) for n in sizes for seed in range(seeds)]
    runs += [(10, 100 + seed, DENSE) for seed in range(dense)]
    for n, seed, extra in runs:
        g, tags, cfg = instance(n, seed, **extra)
        heur, th = _timed(lambda: build_plan(g, tags, cfg, solver="heuristic"))
        best, tx = _timed(lambda: build_plan(g, tags, cfg, solver="exact",
                                             time_limit=time_limit))
        s = best["summary"]["solver"]
        hc, name = heur["summary"]["cost"], f"{'dense-' if extra else ''}n{n}-seed{seed}"
        pc = heur["summary"]["solver"]["packed_cost"]
        if s["name"] != "exact":
            print(f"{name:>18} {s['groups']:>6} {pc:>8} {hc:>10} {'—':>9} {'open':>7} "
                  f"{len(heur['waves']):>4}/{'—':<4} {th:>7.2f} {tx:>8.2f}  ({s.get('exact')})")
            continue
        opt = best["summary"]["cost"]
        gap = 0.0 if hc == opt else (hc - opt) / opt * 100 if opt else float("inf")
        gaps.append(gap)
        packed.append(0.0 if pc == opt else (pc - opt) / opt * 100 if opt else float("inf"))
        print(f"{name:>18} {s['groups']:>6} {pc:>8} {hc:>10} {opt:>9} {gap:>7.2f} "
              f"{len(heur['waves']):>4}/{len(best['waves']):<4} {th:>7.2f} {tx:>8.2f}")
    if packed:
        print(f"\n(the packing alone, before the local search: average gap "
              f"{sum(packed) / len(packed):.2f} %, worst {max(packed):.2f} %)")
    return gaps


def big(servers: int) -> None:
    groups = round(servers / 2.17)          # plangen's mean application size
    (g, tags, cfg), tg = _timed(lambda: instance(groups, 1, wave_servers=50, tier1_limit=3,
                                                 orderings=20, pilot=True))
    hosts = sum(1 for _, d in g.nodes(data=True) if d.get("kind") == "host")
    c0 = time.process_time()
    plan, tp = _timed(lambda: build_plan(g, tags, cfg))
    cpu = time.process_time() - c0
    s = plan["summary"]
    print(f"\n{hosts} servers, {s['groups']} move groups, {g.number_of_edges()} graph edges "
          f"(generated in {tg:.2f} s)")
    print(f"plan: {tp:.2f} s wall, {cpu:.2f} s CPU (target < 10 s) — solver {s['solver']['name']}, {s['waves']} waves, "
          f"hybrid cost {s['cost']} (packing alone {s['solver']['packed_cost']}), "
          f"{s['hybrid_flows']} hybrid flows; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="8,10,12", help="groups per small instance")
    ap.add_argument("--seeds", type=int, default=8, help="instances per size")
    ap.add_argument("--dense", type=int, default=8,
                    help="denser instances (10 groups: more hubs and calls, capacity 5, 2 orderings)")
    ap.add_argument("--time-limit", type=float, default=120.0, help="exact solver, per instance")
    ap.add_argument("--servers", type=int, default=5000, help="size of the big estate (0: skip)")
    args = ap.parse_args()
    if not exact.available():
        raise SystemExit("SciPy is not installed: pip install '.[exact]'")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    gaps = optimality([int(x) for x in args.sizes.split(",")], args.seeds, args.time_limit,
                      args.dense)
    if gaps:
        exactly = sum(1 for x in gaps if x == 0)
        print(f"\n{len(gaps)} instances closed by the exact solver; heuristic optimal on "
              f"{exactly}; average gap {sum(gaps) / len(gaps):.2f} % (target ≤ 2 %), "
              f"worst {max(gaps):.2f} %")
    if args.servers:
        big(args.servers)


if __name__ == "__main__":
    main()
