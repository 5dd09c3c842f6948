"""``reports/index.html``: the landing page of the reports.

It says what the workbench is and whom the pages are for, carries the synthetic-data banner
when the data is synthetic, and lists the national report, the evidence-base downloads and
every force report grouped by region, with the force's headline measures from the
published evidence base, the status of its last attempt and the date it was built. A
filter box (inline script, works offline) narrows the forces by name, alias or region; the
statuses are explained under the table. When a force failed in the last run the page says
so next to the (older) report it still shows.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from soteria_research import files, formatting, paths, reference
from soteria_research.reference import vocabulary as vocab
from soteria_research.report import source
from soteria_research.report.html import CSS, banner_html

INDEX_NAME = "index.html"
FORMATS = {".xlsx": "Excel workbook", ".csv": "CSV", ".parquet": "Parquet"}
#: What a withheld headline figure shows (as in the reports).
WITHHELD = "[c]"
#: The mark of a figure pooled over every year, shown where the period's own is withheld.
POOLED_MARK = '<sup class="pooled-mark">p</sup>'
ABOUT = (
    "The Soteria research workbench turns each police force's case records of rape and "
    "serious sexual offences, and its self-assessment against the six pillars of Operation "
    "Soteria, into reports that have passed disclosure control. The pages are for force "
    "leads and analysts acting on their force's figures, and for the academic teams and the "
    "College of Policing building the National Operating Model evidence base. Each force "
    "report states its period and data source; the national report sets every force side "
    "by side; the evidence base can be downloaded as a workbook."
)
INDEX_CSS = """
.bad { color: #a00; }
nav.contents ul { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; padding: 0;
  list-style: none; margin: .5rem 0 0; }
tr.region th { text-align: left; background: #e6ecf5; font-weight: 600; }
.filter { margin: .75rem 0; } .filter input { font: inherit; padding: .3rem .5rem;
  width: min(24rem, 100%); }
dl.statuses { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.statuses dt { font-weight: 600; } dl.statuses dd { margin: 0; }
td.figure, td.when { white-space: nowrap; }
#forces td:not(.figure), #forces th { text-align: left; } #forces th.figure { text-align: right; }
@media print { .filter { display: none; } }
"""
FILTER_JS = """
(function () {
  var box = document.getElementById('force-filter');
  var wrap = document.getElementById('filter-box');
  var count = document.getElementById('filter-count');
  if (!box || !wrap) { return; }
  wrap.hidden = false;
  function apply() {
    var q = box.value.trim().toLowerCase();
    var shown = 0;
    document.querySelectorAll('#forces tbody').forEach(function (group) {
      var inGroup = 0;
      group.querySelectorAll('tr.force').forEach(function (row) {
        var hit = !q || row.getAttribute('data-search').indexOf(q) >= 0;
        row.hidden = !hit;
        if (hit) { inGroup += 1; }
      });
      group.hidden = inGroup === 0;
      shown += inGroup;
    });
    count.textContent = q ? shown + ' shown' : '';
  }
  box.addEventListener('input', apply);
  apply();
})();
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def when(iso: str | None) -> str:
    """An ISO time as a reader wants it: ``2024-06-30 14:15``."""
    return (iso or "")[:16].replace("T", " ")


def _link(href: str | None, text: str) -> str:
    return f'<a href="{_e(href)}">{_e(text)}</a>' if href else _e(text)


def _status_cell(entry: Mapping[str, Any]) -> str:
    attempt = entry.get("last_attempt") or {}
    status = attempt.get("status", "not run")
    if status == "ok":
        return "ok"
    text = f"{status} in run {attempt.get('run_id', '?')}"
    if attempt.get("error"):
        text += f": {attempt['error']}"
    note = _e(text)
    if attempt.get("notebook"):
        note += f" ({_link(attempt['notebook'], 'executed notebook')})"
    if entry.get("finished"):
        note += f"; the report shown is from {_e(when(entry['finished']))}"
    return f'<span class="bad">{note}</span>'


def _report_href(entry: Mapping[str, Any]) -> str | None:
    html_outputs = [p for p in entry.get("outputs", {}) if p.endswith(".html")]
    return html_outputs[0] if html_outputs else None


def _report_rows(entries: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for entry in entries:
        rows.append(
            f"<tr><td>{_link(_report_href(entry), entry.get('name', '?'))}</td>"
            f"<td>{_status_cell(entry)}</td>"
            f'<td class="when">{_e(when(entry.get("finished")) or "never built")}</td>'
            "</tr>"
        )
    head = "<tr><th>Report</th><th>Last attempt</th><th>Built</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _figure_cell(row: Mapping[str, Any] | None) -> str:
    if row is None:
        return f'<td class="figure">{formatting.MISSING}</td>'
    if bool(row.get("suppressed")):
        pooled = row.get("pooled_value")
        if pooled is None or pd.isna(pooled):
            return f'<td class="figure" title="withheld by disclosure control">{WITHHELD}</td>'
        unit = row.get("unit")
        band = formatting.interval(row.get("pooled_low"), row.get("pooled_high"), unit)
        title = (
            f"over {row['pooled_over']} (n = {int(row['pooled_n']):,}"
            + (f"; 95% interval {band}" if band else "")
            + f"); {row.get('period')} alone is withheld"
        )
        return (
            f'<td class="figure pooled" title="{_e(title)}">'
            f"{_e(formatting.value(pooled, unit))}{POOLED_MARK}</td>"
        )
    unit = row.get("unit")
    shown = formatting.value(row.get("value"), unit)
    band = formatting.interval(row.get("ci_low"), row.get("ci_high"), unit)
    title = f' title="95% interval {_e(band)}"' if band else ""
    return f'<td class="figure"{title}>{_e(shown)}</td>'


def _headline_headers(figures: pd.DataFrame, measures: Sequence[str]) -> list[str]:
    """The measures' labels: each cell shows its own unit ("1.4%", "307 days"), so the
    header does not repeat it."""
    return [vocab.label("measure", m) for m in measures]


def _force_rows(
    forces: Sequence[Mapping[str, Any]], figures: pd.DataFrame, measures: Sequence[str]
) -> str:
    """The force table: a body per region, a row per force, its headline figures."""
    table = reference.forces().set_index("name")
    by_force = {
        (r["force"], r["measure"]): r for r in figures.to_dict("records")
    }  # one row per force and measure
    groups: dict[str, list[str]] = {}
    for entry in forces:
        name = entry.get("name", "?")
        region = table["region"].get(name, "") or "Other"
        aliases = str(table["aliases"].get(name, "")).replace("|", " ")
        search = f"{name} {region} {aliases}".lower()
        cells = "".join(_figure_cell(by_force.get((name, m))) for m in measures)
        groups.setdefault(region, []).append(
            f'<tr class="force" data-search="{_e(search)}">'
            f"<td>{_link(_report_href(entry), name)}</td>{cells}"
            f"<td>{_status_cell(entry)}</td>"
            f'<td class="when">{_e(when(entry.get("finished")) or "never built")}</td></tr>'
        )
    width = len(measures) + 3
    bodies = "".join(
        f'<tbody><tr class="region"><th colspan="{width}" scope="colgroup">{_e(region)}</th></tr>'
        f"{''.join(rows)}</tbody>"
        for region, rows in groups.items()
    )
    heads = "".join(
        f'<th class="figure">{_e(h)}</th>' for h in _headline_headers(figures, measures)
    )
    head = f"<tr><th>Force</th>{heads}<th>Last attempt</th><th>Built</th></tr>"
    return f'<table id="forces"><thead>{head}</thead>{bodies}</table>'


def _statuses_html() -> str:
    items = "".join(
        f"<dt>{_e(vocab.label('status', code))}</dt><dd>{_e(text)}</dd>"
        for code, text in vocab.descriptions("status").items()
    )
    return (
        "<p><strong>Last attempt</strong> is what happened the last time the report was "
        "built; <strong>Built</strong> is when the report the link opens was made. The "
        "counts after the last run are the reports in each status. Figures are the force's "
        "headline measures in its latest period, from the evidence base; "
        f"<strong>{WITHHELD}</strong> marks a figure withheld by disclosure control and "
        f"<strong>{formatting.MISSING}</strong> one that could not be estimated; a figure marked "
        f"<strong>{POOLED_MARK}</strong> is the same measure pooled over every year of the "
        "force's data, shown where its latest period alone is withheld (as the force report "
        "does). Hover over a "
        f'figure for its 95% interval.</p><dl class="statuses">{items}</dl>'
    )


def _run_html(last_run: Mapping[str, Any] | None) -> str:
    run = dict(last_run or {})
    counts = ", ".join(f"{n} {status}" for status, n in (run.get("counts") or {}).items())
    counts_html = (
        f'; reports: {_e(counts)} (<a href="#statuses">what the statuses mean</a>)'
        if counts
        else ""
    )
    return (
        f"<p>Last run {_e(run.get('run_id', 'none'))}: <strong>{_e(run.get('status', 'never run'))}"
        f"</strong>, started {_e(when(run.get('started')) or '-')}, finished "
        f"{_e(when(run.get('finished')) or '-')}"
        f"{counts_html}. {_link(run.get('manifest'), 'Run manifest')}.</p>"
    )


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def build_index(
    forces: Sequence[Mapping[str, Any]],
    national: Mapping[str, Any] | None,
    downloads: Sequence[tuple[str, str, int]],
    last_run: Mapping[str, Any] | None,
    figures: pd.DataFrame | None = None,
    data_source: str = "unknown",
) -> str:
    """The landing page as HTML.

    Parameters
    ----------
    forces
        State entries of the force reports, in the order to list them within a region.
    national
        State entry of the national report (None or empty when never built).
    downloads
        (label, relative link, size in bytes) of each evidence-base file.
    last_run
        The ``last_run`` record of the state: run_id, started, finished, status, counts,
        manifest.
    figures
        Headline figures (:func:`soteria_research.report.source.headline_figures`); None
        or empty shows no figure columns.
    data_source
        ``synthetic`` shows the synthetic-data banner.
    """
    figures = figures if figures is not None else pd.DataFrame(columns=source.HEADLINE_COLUMNS)
    measures = [m for m in vocab.headline_measures() if m in set(figures["measure"])]
    national_html = (
        _report_rows([national]) if national else "<p>The national report has not been built.</p>"
    )
    items = "".join(
        f"<li>{_link(href, label)} ({_size(size)})</li>" for label, href, size in downloads
    )
    downloads_html = (
        f"<ul>{items}</ul>" if items else "<p>The evidence base has not been built.</p>"
    )
    if forces:
        forces_html = (
            '<p class="filter" id="filter-box" hidden><label for="force-filter">Find a force '
            '</label><input id="force-filter" type="search" autocomplete="off" '
            'placeholder="name, short name or region"> <span id="filter-count"></span></p>'
            f"{_force_rows(forces, figures, measures)}"
        )
    else:
        forces_html = "<p>No force report has been built.</p>"
    contents = (
        '<nav class="contents" aria-label="Contents"><ul>'
        '<li><a href="#force-reports">Force reports</a></li>'
        '<li><a href="#national">National evidence</a></li>'
        '<li><a href="#evidence-base">Evidence base downloads</a></li>'
        '<li><a href="#statuses">What the statuses mean</a></li></ul></nav>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Soteria reports</title>\n<style>{CSS}{INDEX_CSS}</style>\n"
        '</head>\n<body>\n<header class="report"><h1>Soteria reports</h1>'
        f'<p class="about">{_e(ABOUT)}</p>{banner_html(data_source)}'
        f"{_run_html(last_run)}{contents}</header>\n<main>\n"
        f'<h2 id="force-reports">Force reports</h2>\n{forces_html}\n'
        f'<h2 id="national">National evidence</h2>\n{national_html}\n'
        f'<h2 id="evidence-base">National Operating Model evidence base</h2>\n{downloads_html}\n'
        f'<h2 id="statuses">What the statuses mean</h2>\n{_statuses_html()}\n'
        f"</main>\n<script>{FILTER_JS}</script>\n</body>\n</html>\n"
    )


def write_index(state: Mapping[str, Any], reports_dir: str | Path | None = None) -> Path:
    """Write ``reports/index.html`` from the run state; return its path.

    Headline figures come from ``<reports>/evidence/*.parquet`` when present, and the data
    source from the processed cases of the forces listed.
    """
    base = Path(reports_dir or paths.reports_dir())
    by_slug = state.get("forces", {})
    order = reference.forces()["police_uk_id"].tolist()
    slugs = [s for s in order if s in by_slug]
    forces = [by_slug[s] for s in slugs]
    downloads = []
    evidence = state.get("evidence") or {}
    for relative in evidence.get("outputs", {}):
        path = base / relative
        if path.is_file():
            label = (
                "Output-checking log of the evidence base (for the output checker)"
                if path.name.endswith(".disclosure.json")
                else f"Evidence base: {FORMATS.get(path.suffix, path.suffix)}"
            )
            downloads.append((label, relative, path.stat().st_size))
    page = build_index(
        forces,
        state.get("national") or None,
        downloads,
        state.get("last_run"),
        source.headline_figures(base / "evidence"),
        source.data_source(slugs),
    )
    return files.write_text(base / INDEX_NAME, page)
