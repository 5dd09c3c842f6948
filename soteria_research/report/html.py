"""An executed notebook as a standalone HTML report without code.

The report holds the notebook's markdown and outputs only (no code cells, no prompts),
figures embedded as data URIs, no scripts or links to fetch, and a compact header that
states the force, period, data source, code version and run date, with a link back to the
index. A table of contents is made from the section headings (``##``): it follows the
first section when that section is the summary (its heading starts with "Summary"), and
comes before the first section otherwise. The page is readable on a laptop screen and
prints on A4. Warnings a notebook wrote to stderr stay in the executed notebook kept with
the run, not in the report. Cells tagged ``remove-cell``, ``remove-input`` or
``remove-output`` are treated as the tags say: a markdown cell meant only for people
running the notebook (how to run it) is tagged ``remove-cell`` and never reaches the
report.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from soteria_research import files
from soteria_research.disclosure.rules import SUPPRESSED_MARKER

CSS = """
:root { --ink: #1b1b1b; --muted: #555; --rule: #d0d0d0; --band: #f3f3f3; --accent: #1d4f91; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main, header.report { max-width: 70rem; margin: 0 auto; padding: 0 1.25rem; }
header.report { border-bottom: 3px solid var(--accent); padding-top: .6rem;
  padding-bottom: .5rem; }
header.report h1 { margin: 0 0 .2rem; font-size: 1.5rem; }
header.report dl { display: flex; flex-wrap: wrap; gap: 0 1rem; margin: 0;
  font-size: .8rem; line-height: 1.35; color: var(--muted); }
header.report dl > div { display: flex; gap: .3rem; }
header.report dt::after { content: ":"; }
header.report dd { margin: 0; color: var(--ink); }
nav.back { font-size: .9rem; float: right; margin: .35rem 0 0 1rem; }
nav.back a::before { content: "\u2190\u00a0"; }
nav.toc { margin: 1.25rem 0; padding: .5rem 1rem; border: 1px solid var(--rule);
  background: var(--band); }
nav.toc h2 { margin: 0 0 .25rem; font-size: 1rem; border: 0; }
nav.toc ol { margin: 0; padding-left: 1.5rem; columns: 2 18rem; }
a { color: var(--accent); }
.banner { margin: .4rem 0 0; padding: .15rem .6rem; border: 2px solid #8a5a00;
  background: #fff4dc; font-size: .9rem; }
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
table.summary { width: 100%; font-size: .8rem; line-height: 1.2; margin: .2rem 0 .5rem; }
table.summary caption { caption-side: bottom; text-align: left; font-size: .75rem;
  color: var(--muted); padding-top: .2rem; }
table.summary th, table.summary td { padding: .08rem .45rem; white-space: nowrap; }
table.summary td.measure, table.summary td.judgement,
table.summary th:first-child, table.summary th:last-child { text-align: left; }
table.summary td.judgement { white-space: normal; min-width: 22rem; font-size: .75rem; }
table.summary thead th { white-space: normal; width: 1%; }
table.summary thead th:first-child, table.summary thead th:last-child { width: auto; }
table.summary td.value { font-weight: 600; }
table.summary tr.pillar th { text-align: left; background: var(--band);
  border-top: 2px solid var(--rule); padding-top: .2rem; }
table.summary tr.pillar span { font-weight: normal; color: var(--muted); margin-left: .5rem; }
table.summary tbody tr:nth-child(even) { background: none; }
h2#Summary { margin: .5rem 0 .1rem; font-size: 1.35rem; }
[id="cell-id=summary-code"] .finding p { font-size: .92rem; margin: .2rem 0 .35rem; }
.finding p { margin: .35rem 0 .5rem; }
.sdc-note, .table-note { margin: .2rem 0 .6rem; font-size: .85rem; color: var(--muted); }
.output_error pre { border-left: 4px solid #a00; padding-left: .5rem; }
footer.report { max-width: 70rem; margin: 2rem auto; padding: .75rem 1.25rem;
  border-top: 1px solid var(--rule); color: var(--muted); font-size: .85rem; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  html { font-size: 10pt; } body { line-height: 1.35; }
  main, header.report, footer.report { max-width: none; padding: 0; margin: 0; }
  nav.back, .filter { display: none; }
  nav.toc { background: none; break-inside: avoid; } nav.toc ol { columns: 2; }
  .banner { background: none; }
  h2 { break-before: auto; } h2, h3 { break-after: avoid; }
  img, svg, table, figure, .output_area { break-inside: avoid; }
  thead { display: table-header-group; } tr { break-inside: avoid; }
  img { max-height: 230mm; }
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
        # the notebook is validated once, after the last preprocessor, not after each of
        # them (a third of the export's time; the page is the same)
        optimistic_validation=True,
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


def banner_html(data_source: str) -> str:
    """The synthetic-data banner when ``data_source`` says synthetic, else nothing."""
    if "synthetic" not in str(data_source).lower():
        return ""
    return (
        '<p class="banner" role="note"><strong>Synthetic data.</strong> These figures come '
        "from generated data, not from police records.</p>"
    )


def header_html(header: ReportHeader, index_href: str | None = None) -> str:
    """The report header as HTML (values escaped), with a link back to the index."""
    rows = "".join(
        f"<div><dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd></div>"
        for k, v in header.rows()
    )
    back = (
        f'<nav class="back" aria-label="Back"><a href="{html.escape(index_href)}">'
        "All reports</a></nav>"
        if index_href
        else ""
    )
    return (
        f'<header class="report">{back}<h1>{html.escape(header.title)}</h1>'
        f"<dl>{rows}</dl>{banner_html(header.data_source)}</header>"
    )


_H2 = re.compile(r"<h2(?P<attrs>[^>]*)>(?P<inner>.*?)</h2>", re.S)
_ID = re.compile(r'\bid="(?P<id>[^"]*)"')
_TAGS = re.compile(r"<[^>]+>")
#: A first section whose heading starts like this is the summary: the contents follow it.
SUMMARY_HEADING = re.compile(r"^\s*summary\b", re.I)


def _heading_text(inner: str) -> str:
    text = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", inner, flags=re.S)
    return html.unescape(_TAGS.sub("", text)).strip()


def with_contents(body: str) -> str:
    """``body`` with a table of contents of its ``<h2>`` section headings.

    Headings without an id get one. The contents come before the first section, or after
    it when the first section is the summary. Fewer than two sections: no contents.
    """
    headings: list[tuple[str, str]] = []

    def _anchor(match: re.Match[str]) -> str:
        attrs, inner = match["attrs"], match["inner"]
        found = _ID.search(attrs)
        anchor = html.unescape(found["id"]) if found else f"section-{len(headings) + 1}"
        if not found:
            attrs += f' id="{anchor}"'
        headings.append((anchor, _heading_text(inner)))
        return f"<h2{attrs}>{inner}</h2>"

    body = _H2.sub(_anchor, body)
    if len(headings) < 2:
        return body
    items = "".join(
        f'<li><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>'
        for anchor, text in headings
    )
    toc = f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{items}</ol></nav>\n'
    starts = [m.start() for m in _H2.finditer(body)]
    summary_first = SUMMARY_HEADING.match(headings[0][1]) is not None
    at = _section_start(body, starts[1] if summary_first else starts[0])
    return body[:at] + toc + body[at:]


def _section_start(body: str, heading_at: int) -> int:
    """Where the notebook cell holding the heading at ``heading_at`` begins."""
    cell = body.rfind('<div class="cell', 0, heading_at)
    between = body[cell:heading_at] if cell >= 0 else ""
    # The heading opens its cell when only the cell's wrappers stand before it.
    return cell if cell >= 0 and not re.search(r"<(?!/?div)[a-z]", between) else heading_at


_SDC_NOTE = re.compile(
    r'(?P<table><div class="sdc"><table\b.*?</table>)(?P<note><p class="sdc-note">[^<]*</p>)',
    re.S,
)
#: Under a protected table with empty cells: what an empty cell means.
BLANK_NOTE = (
    "A blank cell has no figure: it does not apply there or could not be estimated "
    f"(a withheld figure shows {SUPPRESSED_MARKER})."
)


def with_table_notes(body: str) -> str:
    """``body`` with each protected table's notes as its cells need them: the note on the
    withheld marker only under tables that withhold something (the summary's caption says
    what the marker means once), and a note on blank cells under tables that have them."""
    marker = '<p class="sdc-note">' + html.escape(SUPPRESSED_MARKER) + ":"

    def _notes(match: re.Match[str]) -> str:
        table, note = match["table"], match["note"]
        idle = note.startswith(marker) and 'data-sdc="suppressed"' not in table
        blank = (
            f'<p class="table-note">{html.escape(BLANK_NOTE)}</p>' if "<td></td>" in table else ""
        )
        return table + ("" if idle else note) + blank

    return _SDC_NOTE.sub(_notes, body)


_H1 = re.compile(r"<h1[^>]*>(?P<inner>.*?)</h1>", re.S)


def without_repeated_title(body: str, title: str) -> str:
    """``body`` without its first ``<h1>`` when the page header already states it (the
    notebook's ``# Force report`` under the header's "Force report: Durham")."""
    found = _H1.search(body)
    if found and title.lower().startswith(_heading_text(found["inner"]).lower()):
        return body[: found.start()] + body[found.end() :]
    return body


def render_html(
    notebook: Any, header: ReportHeader, index_href: str | None = "../index.html"
) -> str:
    """A standalone HTML page of an executed notebook (a ``NotebookNode``), without code.

    ``index_href`` links back to the index (relative to the page; the default suits
    ``reports/forces/`` and ``reports/national/``; None leaves the link out). The notebook
    is not changed.
    """
    body, _ = _exporter().from_notebook_node(_without_code(notebook))
    title = html.escape(f"{header.title}: {header.period}")
    back = f' <a href="{html.escape(index_href)}">Back to all reports</a>.' if index_href else ""
    footer = (
        f"{html.escape(header.title)}. Generated {html.escape(header.run_date)} by the Soteria "
        f"research workbench {html.escape(header.code_version)}.{back}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{header_html(header, index_href)}\n<main>\n"
        f"{with_contents(with_table_notes(without_repeated_title(body, header.title)))}\n"
        "</main>\n"
        f'<footer class="report">{footer}</footer>\n</body>\n</html>\n'
    )


def write_html(
    notebook: Any,
    target: str | Path,
    header: ReportHeader,
    index_href: str | None = "../index.html",
) -> Path:
    """Render ``notebook`` and write it to ``target`` atomically; return the path."""
    return files.write_text(target, render_html(notebook, header, index_href))
