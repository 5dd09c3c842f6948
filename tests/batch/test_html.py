"""A report is the notebook's prose and results: no code, a header, figures inside."""

from __future__ import annotations

import base64
import re

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from soteria_research.report.html import BLANK_NOTE, ReportHeader, render_html, with_table_notes

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n-a-tiny-figure-").decode()
HEADER = ReportHeader(
    title="Force report: Durham",
    force="Durham",
    period="2023/24",
    data_source="synthetic",
    code_version="0.1.0 (git 4ed1100, source 1a2b3c4d)",
    run_date="2024-07-01 10:00",
    run_id="20240701-100000-abcd",
)


def notebook() -> object:
    parameters = new_code_cell('force = "Durham"\nsecret_path = "/data/raw/x.csv"')
    parameters.metadata["tags"] = ["parameters"]
    chart = new_code_cell(
        "fig = plot_volumes(cases)\nfig",
        outputs=[
            new_output("stream", name="stderr", text="UserWarning: something internal\n"),
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        ],
    )
    table = new_code_cell(
        "summary_table(cases)",
        outputs=[
            new_output(
                "execute_result",
                data={"text/html": "<table><tr><td>Charged</td><td>25</td></tr></table>"},
                execution_count=3,
            )
        ],
        execution_count=3,
    )
    hidden = new_code_cell("x = 1", outputs=[new_output("stream", name="stdout", text="debug\n")])
    hidden.metadata["tags"] = ["remove-cell"]
    return new_notebook(
        cells=[
            new_markdown_cell("# Durham\n\n## Volumes\n\nRecorded offences rose."),
            parameters,
            chart,
            table,
            hidden,
        ]
    )


def test_report_has_no_code_and_keeps_results() -> None:
    page = render_html(notebook(), HEADER)
    for code in ("plot_volumes", "summary_table", "secret_path", "force = ", "x = 1"):
        assert code not in page
    assert "In&nbsp;[" not in page and "Out[" not in page
    assert "Recorded offences rose." in page
    assert "<td>Charged</td><td>25</td>" in page
    assert f"data:image/png;base64,{PNG}" in page
    assert "UserWarning" not in page and "debug" not in page


def test_header_states_force_period_source_version_and_date() -> None:
    page = render_html(notebook(), HEADER)
    header = re.search(r'<header class="report">.*?</header>', page, re.S).group(0)
    for label, value in HEADER.rows():
        assert f"<dt>{label}</dt><dd>{value}</dd>" in header
    assert "Synthetic data." in header


def test_real_data_has_no_synthetic_banner_and_values_are_escaped() -> None:
    header = ReportHeader("Report <b>", "A & B", "2023/24", "real", "0.1.0", "today")
    page = render_html(notebook(), header)
    assert "Synthetic data." not in page
    assert "Report &lt;b&gt;" in page and "A &amp; B" in page


def test_page_is_standalone_and_prints() -> None:
    page = render_html(notebook(), HEADER)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r'(src|href)="https?://', page)
    assert "@media print" in page and 'name="viewport"' in page


def test_the_notebook_is_not_changed() -> None:
    nb = notebook()
    before = repr(nb)
    render_html(nb, HEADER)
    assert repr(nb) == before


def _sections_notebook(first: str) -> object:
    how = new_markdown_cell("Run it as it stands for the synthetic default.")
    how.metadata["tags"] = ["remove-cell"]
    return new_notebook(
        cells=[
            new_markdown_cell(f"## {first}\n\nThe force in one screen."),
            how,
            new_markdown_cell("## Data quality\n\nRows used."),
            new_markdown_cell("## Volumes & trends\n\nMonthly."),
        ]
    )


def test_page_links_back_to_the_index_and_prints_on_a4() -> None:
    page = render_html(notebook(), HEADER)
    header = re.search(r'<header class="report">.*?</header>', page, re.S).group(0)
    assert '<nav class="back" aria-label="Back"><a href="../index.html">' in header
    assert 'href="../index.html">Back to all reports</a>' in page  # footer too
    assert "@page { size: A4;" in page
    assert "nav.back" not in render_html(notebook(), HEADER, index_href=None).split("</style>")[1]


def test_contents_follow_the_summary_and_list_every_section() -> None:
    page = render_html(_sections_notebook("Summary"), HEADER)
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc)
    assert [text for _, text in links] == ["Summary", "Data quality", "Volumes &amp; trends"]
    for anchor, _ in links:
        assert f'id="{anchor}"' in page
    assert page.index("The force in one screen.") < page.index('<nav class="toc"')
    assert page.index('<nav class="toc"') < page.index("Rows used.")


def test_contents_come_first_without_a_summary_and_notebook_help_is_dropped() -> None:
    page = render_html(_sections_notebook("Data quality first"), HEADER)
    assert page.index('<nav class="toc"') < page.index("The force in one screen.")
    assert "Run it as it stands" not in page


def test_one_section_has_no_contents() -> None:
    page = render_html(new_notebook(cells=[new_markdown_cell("## Only\n\ntext")]), HEADER)
    assert '<nav class="toc"' not in page


def test_the_notebook_title_is_not_repeated_under_the_page_header() -> None:
    from soteria_research.report.html import without_repeated_title

    body = '<div class="cell"><h1 id="Force-report">Force report<a class="anchor-link">¶</a></h1><p>x</p></div>'
    assert "<h1" not in without_repeated_title(body, "Force report: Durham")
    assert "<p>x</p>" in without_repeated_title(body, "Force report: Durham")
    assert without_repeated_title(body, "National evidence") == body


def _sdc(cells: str) -> str:
    return (
        '<div class="sdc"><table class="sdc-table" data-sdc="protected"><tbody><tr>'
        f'{cells}</tr></tbody></table><p class="sdc-note">[c]: withheld because it is below '
        "10, or because it would let a withheld value be worked out from the totals.</p></div>"
    )


def test_the_withheld_note_follows_only_tables_that_withhold() -> None:
    full = _sdc("<th>a</th><td>12</td>")
    withheld = _sdc('<th>b</th><td data-sdc="suppressed">[c]</td>')
    rounded = full.replace("[c]: withheld because", "Counts and totals are rounded")
    body = f"{full}<p>between</p>{withheld}{rounded}"
    out = with_table_notes(body)
    assert out.count('class="sdc-note"') == 2
    assert out.startswith(full.split("<p class")[0] + "</div><p>between</p>")
    assert withheld in out and rounded in out  # a rounding note always stays
    assert "blank cell" not in out


def test_a_table_with_blank_cells_says_what_they_mean() -> None:
    table = _sdc('<th>a</th><td>12</td><td></td><td data-sdc="suppressed">[c]</td>')
    out = with_table_notes(table)
    assert out.count('class="sdc-note"') == 1  # the withheld note stays
    assert out.endswith(f'<p class="table-note">{BLANK_NOTE}</p></div>')
