"""Benchmark: a ``soteria clean`` in which nothing changed, against a full clean.

Writes the synthetic extracts of every force (``--scale`` of real volumes) into a temporary
root, then in one run times, side by side:

* a **full** clean (``clean_all(full=True)``: every force read, cleaned and written);
* a **no-op** clean (``clean_all()`` right after: every force's clean key matches the one
  in its ``provenance.json``, so each is skipped);

and prints the best of ``--repeat`` runs of each and their ratio, plus the no-op time of
the whole command (``soteria clean`` in a fresh process, imports included). The goal is a
no-op clean of 43 forces well under a second in-process.

    .venv/bin/python benchmarks/bench_noop.py [--scale 0.1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="volume multiplier (0.1)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, best kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soteria-noop-") as root:
        os.environ["SOTERIA_ROOT"] = root
        from soteria_research.ingest import clean_all
        from soteria_research.synth import generate

        raw, out = Path(root) / "data" / "raw", Path(root) / "data" / "processed"
        generate(raw, scale=args.scale)
        forces = sum(1 for p in raw.iterdir() if p.is_dir())
        clean_all(raw, out, progress=False, full=True)  # warm caches and imports

        full = _best(lambda: clean_all(raw, out, progress=False, full=True), args.repeat)

        def noop() -> None:
            summary = clean_all(raw, out, progress=False)
            assert set(summary["status"]) == {"unchanged"}, summary["status"].value_counts()

        skip = _best(noop, args.repeat)
        command = [sys.executable, "-m", "soteria_research.cli", "clean", "--no-progress"]
        env = {**os.environ, "SOTERIA_ROOT": root}
        start = time.perf_counter()
        done = subprocess.run(command, check=True, env=env, capture_output=True, text=True)
        whole = time.perf_counter() - start
        if f"{forces} forces unchanged since the last clean" not in done.stdout:
            print("warning: the command cleaned some forces again (did the code change?)")
    print(f"forces: {forces} (synthetic, scale {args.scale})")
    print(f"full clean          : {full:8.3f} s")
    print(f"no-op clean         : {skip:8.3f} s   (in-process, best of {args.repeat})")
    print(f"ratio full / no-op  : {full / skip:8.1f}")
    print(f"`soteria clean` no-op, fresh process (imports included): {whole:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
