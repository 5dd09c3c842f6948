"""``reports/index.html``: the landing page of the reports.

It lists every force report with the status of its last attempt and the date it was
built, the national report, the evidence-base downloads and the date and status of the
last run, from the run state kept in ``reports/.state.json``. When a force failed in the
last run the page says so next to the (older) report it still shows.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from soteria_research import files, paths, reference
from soteria_research.report.html import CSS

INDEX_NAME = "index.html"
FORMATS = {".xlsx": "Excel workbook", ".csv": "CSV", ".parquet": "Parquet"}


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
            f"<td>{_e(when(entry.get('finished')) or 'never built')}</td>"
            "</tr>"
        )
    head = "<tr><th>Report</th><th>Last attempt</th><th>Built</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def build_index(
    forces: Sequence[Mapping[str, Any]],
    national: Mapping[str, Any] | None,
    downloads: Sequence[tuple[str, str, int]],
    last_run: Mapping[str, Any] | None,
) -> str:
    """The landing page as HTML.

    Parameters
    ----------
    forces
        State entries of the force reports, in the order to list them.
    national
        State entry of the national report (None or empty when never built).
    downloads
        (label, relative link, size in bytes) of each evidence-base file.
    last_run
        The ``last_run`` record of the state: run_id, started, finished, status, counts,
        manifest.
    """
    run = dict(last_run or {})
    counts = ", ".join(f"{n} {status}" for status, n in (run.get("counts") or {}).items())
    run_html = (
        f"<p>Last run {_e(run.get('run_id', 'none'))}: <strong>{_e(run.get('status', 'never run'))}"
        f"</strong>, started {_e(when(run.get('started')) or '-')}, finished "
        f"{_e(when(run.get('finished')) or '-')}"
        f"{'; ' + _e(counts) if counts else ''}. {_link(run.get('manifest'), 'Run manifest')}.</p>"
    )
    national_html = (
        _report_rows([national]) if national else "<p>The national report has not been built.</p>"
    )
    items = "".join(
        f"<li>{_link(href, label)} ({_size(size)})</li>" for label, href, size in downloads
    )
    downloads_html = (
        f"<ul>{items}</ul>" if items else "<p>The evidence base has not been built.</p>"
    )
    forces_html = _report_rows(forces) if forces else "<p>No force report has been built.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Soteria reports</title>\n<style>{CSS}\n.bad {{ color: #a00; }}</style>\n"
        '</head>\n<body>\n<header class="report"><h1>Soteria reports</h1>'
        f"{run_html}</header>\n<main>\n"
        f"<h2>National evidence</h2>\n{national_html}\n"
        f"<h2>National Operating Model evidence base</h2>\n{downloads_html}\n"
        f"<h2>Force reports</h2>\n{forces_html}\n</main>\n</body>\n</html>\n"
    )


def write_index(state: Mapping[str, Any], reports_dir: str | Path | None = None) -> Path:
    """Write ``reports/index.html`` from the run state; return its path."""
    base = Path(reports_dir or paths.reports_dir())
    by_slug = state.get("forces", {})
    order = reference.forces()["police_uk_id"].tolist()
    forces = [by_slug[s] for s in order if s in by_slug]
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
    return files.write_text(
        base / INDEX_NAME,
        build_index(forces, state.get("national") or None, downloads, state.get("last_run")),
    )
