"""Benchmark: a ``make reports`` in which nothing changed, end to end, against the 3 s goal.

In a prepared project root (``SOTERIA_ROOT``: a temporary one holding the synthetic
extracts at ``--scale``, or ``--root DIR``), it runs ``make reports`` once to bring
everything up to date (untimed), then times, side by side in one run:

* **make reports**: the real command of the checkout's Makefile, as a user types it
  (``make`` itself, the venv check, then ``soteria reports --prepare``: the synthetic
  default when empty, the clean skipped when the data stamp holds, the release reused and
  every report up to date), best and median of ``--repeat`` runs;
* the floor: a fresh interpreter that only imports pandas;
* the same no-op by the three commands the Makefile ran before (``soteria synth
  --if-empty``, ``soteria clean``, ``soteria reports``), each its own process, once.

Each no-op is checked to have built nothing. The Makefile must find its venv ready (``make
setup`` done); pass ``--make-args`` to point it elsewhere, e.g. ``--make-args
"VENV=/path/.venv"``.

    .venv/bin/python benchmarks/bench_noop.py [--scale 0.1] [--repeat 5] [--root DIR]
        [--forces NAME ...]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL = 3.0


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"`{shlex.join(command)}` failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def _check_nothing_built(output: str, what: str) -> None:
    if "cleaning skipped" not in output and "unchanged since the last clean" not in output:
        print(f"warning: {what} cleaned data again (did the data or the code change?)")
    if "Run " in output and ": up to date." not in output:
        print(f"warning: {what} built reports (did the data or the code change?)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="volume multiplier (0.1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed no-op runs (5)")
    parser.add_argument("--forces", nargs="+", metavar="NAME", help="only these forces (quicker)")
    parser.add_argument("--root", type=Path, help="a project root to use (kept)")
    parser.add_argument("--make-args", default="", help="extra arguments for make")
    parser.add_argument("--no-old-route", action="store_true", help="skip the three commands")
    args = parser.parse_args()
    make = ["make", "--no-print-directory", "-C", str(REPO), *shlex.split(args.make_args)]
    dry = subprocess.run([*make, "-n", "reports"], capture_output=True, text=True, check=True)
    if "pip install" in dry.stdout:
        raise SystemExit("The venv is not ready: run `make setup` first (or see --make-args).")
    scratch = None if args.root else tempfile.TemporaryDirectory(prefix="soteria-noop-")
    root = args.root or Path(scratch.name)
    env = {**os.environ, "SOTERIA_ROOT": str(root)}
    soteria = [sys.executable, "-m", "soteria_research.cli"]
    raw = root / "data" / "raw"
    if not (raw.is_dir() and any(raw.glob("*/mapping.yaml"))):
        print(f"preparing {root}: synthetic extracts at scale {args.scale}, then every report")
        only = ["--forces", *args.forces] if args.forces else []
        _timed([*soteria, "synth", "--scale", str(args.scale), *only], env)
    _timed([*make, "reports"], env)  # bring everything up to date; not timed

    times = []
    for _ in range(args.repeat):
        seconds, output = _timed([*make, "reports"], env)
        _check_nothing_built(output, "make reports")
        times.append(seconds)
    floor, _ = _timed([sys.executable, "-c", "import pandas"], env)
    steps = []
    if not args.no_old_route:
        outputs = []
        for step in (["synth", "--if-empty"], ["clean", "--no-progress"], ["reports"]):
            seconds, output = _timed([*soteria, *step], env)
            steps.append((" ".join(step), seconds))
            outputs.append(output)
        _check_nothing_built("\n".join(outputs), "the three commands")
    forces = sum(1 for _ in raw.glob("*/mapping.yaml"))
    if scratch is not None:
        scratch.cleanup()

    best, median = min(times), statistics.median(times)
    verdict = "meets" if best < GOAL else "MISSES"
    print(f"root: {root} ({forces} forces{'' if args.root else f', scale {args.scale}'})")
    print(f"`make reports`, nothing changed : best {best:6.2f} s, median {median:6.2f} s "
          f"of {args.repeat}   goal < {GOAL:.0f} s: {verdict}")  # fmt: skip
    print(f"floor: python -c 'import pandas'  : {floor:6.2f} s")
    if steps:
        total = sum(s for _, s in steps)
        print(f"the three commands make ran before: {total:6.2f} s "
              f"({', '.join(f'{name} {s:.2f} s' for name, s in steps)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
