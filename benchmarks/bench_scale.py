"""Benchmark: the cost curve of cleaning (and of building the release) as the data grows.

For each multiplier (default 1, 2 and 4) of the default synthetic data set (43 forces,
``synthetic.years`` financial years, ``--base-scale`` of real volumes), writes the
extracts into a temporary root, then in a fresh process for each stage times and measures:

* **clean**: ``clean_all(full=True)`` of every force, forces side by side
  (``ingest.jobs``);
* **release** (with ``--release``): ``build_release`` of every force and the national
  picture (the numbers every report shows, protected as a whole by linear programming;
  much slower than cleaning, so measured only when asked).

The multiplier scales the volume of every force-year, so ``4x`` holds as many rows as 43
forces over four times the years. It prints, per multiplier, the rows, the seconds and the
peak memory (the largest resident set of the stage's own process and of any worker), then
the slope of log(time) and log(memory) on log(rows) (1 = linear), a linear fit (fixed cost
plus cost per million rows), and where one machine stops for a given volume (``--target-rows``, default ten years
of every sexual offence recorded in England and Wales, about 200,000 a year).

    .venv/bin/python benchmarks/bench_scale.py [--base-scale 1.0] [--multipliers 1 2 4] [--release]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _peak_gb() -> float:
    """Largest resident set (GB) of this process and of any child it waited for."""
    own = 0.0
    status = Path("/proc/self/status")
    if status.is_file():
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        own = int(line.split()[1]) / 1024**2
    unit = 1024**3 if sys.platform == "darwin" else 1024**2
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / unit
    return max(own, children)


def _child(stage: str, root: Path) -> None:
    os.environ["SOTERIA_ROOT"] = str(root)
    from soteria_research import paths

    forces_dir = paths.processed_dir()
    if stage == "clean":
        from soteria_research.ingest import clean_all

        start = time.perf_counter()
        summary = clean_all(paths.raw_dir(), forces_dir, progress=False, full=True)
        seconds = time.perf_counter() - start
        assert set(summary["status"]) == {"ok"}, summary[["folder", "message"]]
        rows = int(summary["input_rows"].sum())
    else:
        from soteria_research.batch import plan
        from soteria_research.batch.release_stage import build_release
        from soteria_research.ingest import processed

        forces = processed.processed_forces(forces_dir)
        parameters = {"period": "latest", "comparator": "national"}
        jobs = os.cpu_count() or 1
        start = time.perf_counter()
        build_release(forces, parameters, plan.shared_inputs(), jobs=jobs, rerun=True)
        seconds = time.perf_counter() - start
        rows = 0
    print(json.dumps({"seconds": seconds, "peak_gb": _peak_gb(), "rows": rows}))


def _stage(stage: str, root: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", stage, "--root", str(root)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "SOTERIA_ROOT": str(root)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _slope(x: list[float], y: list[float]) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0]) if len(x) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-scale", type=float, default=1.0, help="1x volume (1.0: real)")
    parser.add_argument("--multipliers", type=float, nargs="+", default=[1, 2, 4])
    parser.add_argument("--release", action="store_true", help="time the release stage too")
    parser.add_argument("--target-rows", type=float, default=2.0e6, help="volume to project")
    parser.add_argument("--memory-gb", type=float, default=16.0, help="the machine's memory")
    parser.add_argument("--child", choices=["clean", "release"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.root)
        return
    results = []
    for multiplier in args.multipliers:
        with tempfile.TemporaryDirectory(prefix="soteria-scale-") as tmp:
            root = Path(tmp)
            os.environ["SOTERIA_ROOT"] = str(root)
            from soteria_research.synth import generate

            start = time.perf_counter()
            generate(root / "data" / "raw", scale=args.base_scale * multiplier)
            built = time.perf_counter() - start
            clean = _stage("clean", root)
            release = _stage("release", root) if args.release else None
        results.append((multiplier, clean, release))
        line = (
            f"{multiplier:g}x: {clean['rows']:>10,} rows (written in {built:.0f} s)  "
            f"clean {clean['seconds']:7.1f} s, peak {clean['peak_gb']:.2f} GB"
        )
        if release:
            line += f"  release {release['seconds']:7.1f} s, peak {release['peak_gb']:.2f} GB"
        print(line, flush=True)
    rows = [c["rows"] for _m, c, _r in results]
    for stage, pick in (("clean", 1), ("release", 2)):
        if stage == "release" and not args.release:
            continue
        times = [r[pick]["seconds"] for r in results]
        peaks = [r[pick]["peak_gb"] for r in results]
        t_slope, m_slope = _slope(rows, times), _slope(rows, peaks)
        per_row, fixed = np.polyfit(rows, times, 1) if len(rows) > 1 else (times[0] / rows[0], 0)
        gb_per_row, base_gb = np.polyfit(rows, peaks, 1) if len(rows) > 1 else (0, peaks[0])
        if per_row <= 0:
            print(f"{stage}: time did not grow with the rows in this run (other load or fixed")
            print("  costs per force dominated); run again on a quiet machine to project time")
        time_at = fixed + max(per_row, 0) * args.target_rows
        peak_at = base_gb + gb_per_row * args.target_rows
        print(
            f"{stage}: time ~ rows^{t_slope:.2f}, peak memory ~ rows^{m_slope:.2f}; linear fit "
            f"{fixed:.0f} s + {per_row * 1e6:.0f} s per million rows, {base_gb:.2f} GB + "
            f"{gb_per_row * 1e6:.2f} GB per million rows (largest process)"
        )
        print(
            f"  at {args.target_rows:,.0f} rows: about {time_at:,.0f} s and {peak_at:.1f} GB per "
            f"process ({'fits' if peak_at * (os.cpu_count() or 1) < args.memory_gb else 'does not fit'}"
            f" in {args.memory_gb:g} GB with {os.cpu_count() or 1} processes)"
        )


if __name__ == "__main__":
    main()
