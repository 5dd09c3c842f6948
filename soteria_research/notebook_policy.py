"""Checks on what may be committed: notebook outputs and file sizes.

Committed notebooks carry outputs so that nbval can compare them, and those outputs must
come from the synthetic default only: never from real case data. Each notebook's header
cell prints a provenance line (see :func:`provenance_line`); this module checks it. It
also guards against large files. ``python -m soteria_research.notebook_policy`` runs the
checks for pre-commit and CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from soteria_research import settings

MAX_FILE_BYTES = 2_000_000
PROVENANCE_PREFIX = "Data source:"


def provenance_line(data_source: str, synthetic: dict | None = None) -> str:
    """The line a notebook prints to say where its data came from.

    ``data_source`` is ``synthetic`` or ``real``; for synthetic data the generator's seed,
    first year and number of years say whether it is the default data set.
    """
    if data_source != "synthetic" or synthetic is None:
        return f"{PROVENANCE_PREFIX} {data_source}"
    default = settings.section("synthetic")
    same = all(synthetic.get(k) == default[k] for k in ("seed", "first_year", "years"))
    same = same and float(synthetic.get("scale", 1.0)) == 1.0
    label = "synthetic default" if same else "synthetic (non-default)"
    return (
        f"{PROVENANCE_PREFIX} {label} (seed {synthetic.get('seed')}, first year "
        f"{synthetic.get('first_year')}, {synthetic.get('years')} years)"
    )


def _output_text(notebook: dict) -> Iterable[str]:
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("text")
            if text is not None:
                yield "".join(text) if isinstance(text, list) else text
            for value in output.get("data", {}).values():
                if isinstance(value, (str, list)):
                    yield "".join(value) if isinstance(value, list) else value


def notebook_problems(path: Path) -> list[str]:
    """Reasons why a committed notebook's outputs are not from the synthetic default."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    texts = list(_output_text(notebook))
    if not texts:
        return [f"{path}: has no outputs; commit it executed on the synthetic default"]
    expected = provenance_line("synthetic", settings.section("synthetic"))
    lines = [line for text in texts for line in text.splitlines() if PROVENANCE_PREFIX in line]
    problems = []
    if not any(expected in line for line in lines):
        problems.append(f"{path}: no output says {expected!r}")
    others = [line for line in lines if expected not in line]
    if others:
        problems.append(f"{path}: outputs from other data: {others[0].strip()[:120]!r}")
    return problems


def large_files(paths: Iterable[Path], limit: int = MAX_FILE_BYTES) -> list[str]:
    """Files over ``limit`` bytes."""
    return [
        f"{p}: {p.stat().st_size:,} bytes (limit {limit:,})"
        for p in paths
        if p.is_file() and p.stat().st_size > limit
    ]


def _tracked(root: Path) -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=False)
    return [root / line for line in out.stdout.splitlines()]


def main(argv: list[str] | None = None) -> int:
    """``large-files [FILE...]`` or ``notebook-outputs [NOTEBOOK...]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in {"large-files", "notebook-outputs"}:
        print(
            "usage: python -m soteria_research.notebook_policy "
            "{large-files|notebook-outputs} [FILE...]",
            file=sys.stderr,
        )
        return 2
    command, files = args[0], [Path(a) for a in args[1:]]
    if command == "large-files":
        problems = large_files(files or _tracked(Path.cwd()))
    else:
        notebooks = files or sorted(Path("notebooks").glob("*.ipynb"))
        problems = [p for nb in notebooks for p in notebook_problems(nb)]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
