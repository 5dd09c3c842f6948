"""The notebooks stay thin, take typed parameters, and their outputs come from the synthetic default."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from soteria_research import notebook_policy

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _code_cells(path: Path) -> list[dict]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def test_both_notebooks_exist() -> None:
    assert {p.name for p in NOTEBOOKS} >= {"force_report.ipynb", "national_evidence.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_tagged_parameters_cell_with_typed_commented_defaults(path: Path) -> None:
    tagged = [c for c in _code_cells(path) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    tree = ast.parse(_source(tagged[0]))
    assignments = [n for n in tree.body if isinstance(n, ast.AnnAssign)]
    assert assignments and len(assignments) == len(tree.body), "only typed assignments"
    for line in _source(tagged[0]).splitlines()[1:]:
        assert "#" in line, f"parameter without a comment: {line}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin(path: Path) -> None:
    for cell in _code_cells(path):
        source = _source(cell)
        tree = ast.parse(source)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)), source
        code_lines = [ln for ln in source.splitlines() if ln.strip() and not ln.startswith("#")]
        assert len(code_lines) <= 7, f"cell too long, move it into the package:\n{source}"
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            assert not re.search(r"['\"][^'\"]*/[^'\"]*['\"]", source), f"literal path:\n{source}"
            numbers = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant)
                and isinstance(n.value, (int, float))
                and not isinstance(n.value, bool)
            ]
            assert not numbers, f"literal number (threshold?) in:\n{source}"
        chains = re.findall(r"(\.\w+\([^)]*\)){3,}", source)
        assert not chains, f"long pandas chain:\n{source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_come_from_the_synthetic_default(path: Path) -> None:
    assert notebook_policy.notebook_problems(path) == []


def test_policy_rejects_outputs_from_real_data(tmp_path: Path) -> None:
    notebook = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    text = json.dumps(notebook).replace("Data source: synthetic default", "Data source: real")
    planted = tmp_path / "planted.ipynb"
    planted.write_text(text, encoding="utf-8")
    problems = notebook_policy.notebook_problems(planted)
    assert problems and any("real" in p or "no output" in p for p in problems)


def test_policy_rejects_a_notebook_without_outputs(tmp_path: Path) -> None:
    notebook = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        cell.pop("outputs", None) if cell["cell_type"] == "code" else None
        if cell["cell_type"] == "code":
            cell["outputs"] = []
    planted = tmp_path / "empty.ipynb"
    planted.write_text(json.dumps(notebook), encoding="utf-8")
    assert notebook_policy.notebook_problems(planted)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_carry_no_warnings_or_errors(path: Path) -> None:
    """Warnings and tracebacks would show in the published report (and hold local paths)."""
    for cell in _code_cells(path):
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", _source(cell)
            assert output.get("name") != "stderr", f"{_source(cell)}\n{output.get('text')}"


def _calls(path: Path) -> list[tuple[str, str | None]]:
    """(function, first literal argument) of every section call in a notebook, in order."""
    found = []
    for cell in _code_cells(path):
        for node in ast.walk(ast.parse(_source(cell))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                argument = next((a.value for a in node.args if isinstance(a, ast.Constant)), None)
                found.append((node.func.attr, argument))
    return found


def test_the_release_collects_exactly_what_the_notebooks_render() -> None:
    """Every section a notebook shows is collected into the release, in the same order:
    the render pass can show nothing the release did not protect."""
    from soteria_research.sections.collect import FORCE_SECTIONS, NATIONAL_SECTIONS

    root = Path(__file__).resolve().parents[1] / "notebooks"
    force = [name for name, _ in _calls(root / "force_report.ipynb")]
    wanted = [name for _, name in FORCE_SECTIONS]
    assert [n for n in force if n in wanted] == wanted
    national = [
        (name, arg)
        for name, arg in _calls(root / "national_evidence.ipynb")
        if name not in ("open_national", "save")
    ]
    assert national == list(NATIONAL_SECTIONS)


def test_the_force_report_opens_with_its_summary() -> None:
    """The first section a reader meets is the summary; the contents follow it (report.html)."""
    path = Path(__file__).resolve().parents[1] / "notebooks" / "force_report.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    headings = [
        line
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
        for line in _source(cell).splitlines()
        if line.startswith("## ")
    ]
    assert headings[0] == "## Summary"
    calls = [name for name, _ in _calls(path)]
    assert calls.index("pillar_summary") < calls.index("data_quality")
