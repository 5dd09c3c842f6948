"""An executed notebook as a standalone HTML report without code.

The report holds the notebook's markdown and outputs only (no code cells, no prompts),
figures embedded as data URIs, no scripts or links to fetch, and a header that states the
force, period, data source, code version and run date. The page is readable on a laptop
screen and prints cleanly. Warnings a notebook wrote to stderr stay in the executed
notebook kept with the run, not in the report. Cells tagged ``remove-cell``,
``remove-input`` or ``remove-output`` are treated as the tags say.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from soteria_research import files

CSS = """
:root { --ink: #1b1b1b; --muted: #555; --rule: #d0d0d0; --band: #f3f3f3; --accent: #1d4f91; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main, header.report { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }
header.report { border-bottom: 3px solid var(--accent); padding-top: 1.25rem;
  padding-bottom: .75rem; }
header.report h1 { margin: 0 0 .5rem; font-size: 1.6rem; }
header.report dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem;
  margin: 0; }
header.report dt { color: var(--muted); }
header.report dd { margin: 0; }
.banner { margin: .75rem 0 0; padding: .4rem .75rem; border: 2px solid #8a5a00;
  background: #fff4dc; }
h1, h2, h3 { line-height: 1.25; } h2 { margin-top: 2rem; border-bottom: 1px solid var(--rule); }
a.anchor-link { display: none; }
img, svg { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; word-break: break-word; font-size: .9rem; margin: .25rem 0; }
.output_area, .output_subarea { overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem;
  font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .6rem; text-align: right; }
th { background: var(--band); } tbody tr:nth-child(even) { background: #fafafa; }
td:first-child, th:first-child { text-align: left; }
.output_error pre { border-left: 4px solid #a00; padding-left: .5rem; }
footer.report { max-width: 62rem; margin: 2rem auto; padding: .75rem 1.25rem;
  border-top: 1px solid var(--rule); color: var(--muted); font-size: .85rem; }
@media print {
  html { font-size: 11pt; } main, header.report, footer.report { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; } img, svg, table, .output_area { break-inside: avoid; }
  .output_area, .output_subarea { overflow: visible; } a { color: inherit; text-decoration: none; }
  tbody tr:nth-child(even) { background: none; }
}
"""


@dataclass(frozen=True)
class ReportHeader:
    """What the header of a report states."""

    title: str
    force: str
    period: str
    data_source: str
    code_version: str
    run_date: str
    run_id: str = ""

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("Force", self.force),
            ("Period", self.period),
            ("Data source", self.data_source),
            ("Code version", self.code_version),
            ("Run date", self.run_date),
        ]
        return rows + ([("Run", self.run_id)] if self.run_id else [])


@lru_cache(maxsize=1)
def _exporter() -> Any:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "remove_cell"}
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input", "remove_input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
    return HTMLExporter(
        config=config,
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def _without_code(notebook: Any) -> Any:
    """A copy holding markdown and outputs only: no code, no raw cells, no stderr."""
    import copy

    nb = copy.deepcopy(notebook)
    kept = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["source"] = ""
            cell["outputs"] = [
                out
                for out in cell.get("outputs", [])
                if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
            ]
            if cell["outputs"]:
                kept.append(cell)
        elif cell.get("cell_type") == "markdown":
            kept.append(cell)
    nb.cells = kept
    return nb


def header_html(header: ReportHeader) -> str:
    """The report header as HTML (values escaped)."""
    rows = "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" for k, v in header.rows()
    )
    banner = ""
    if "synthetic" in header.data_source.lower():
        banner = (
            '<p class="banner" role="note"><strong>Synthetic data.</strong> These figures come '
            "from generated data, not from police records.</p>"
        )
    return (
        f'<header class="report"><h1>{html.escape(header.title)}</h1>'
        f"<dl>{rows}</dl>{banner}</header>"
    )


def render_html(notebook: Any, header: ReportHeader) -> str:
    """A standalone HTML page of an executed notebook (a ``NotebookNode``), without code.

    The notebook is not changed.
    """
    body, _ = _exporter().from_notebook_node(_without_code(notebook))
    title = html.escape(f"{header.title}: {header.period}")
    footer = (
        f"{html.escape(header.title)}. Generated {html.escape(header.run_date)} by the Soteria "
        f"research workbench {html.escape(header.code_version)}."
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{header_html(header)}\n<main>\n{body}\n</main>\n"
        f'<footer class="report">{footer}</footer>\n</body>\n</html>\n'
    )


def write_html(notebook: Any, target: str | Path, header: ReportHeader) -> Path:
    """Render ``notebook`` and write it to ``target`` atomically; return the path."""
    return files.write_text(target, render_html(notebook, header))
