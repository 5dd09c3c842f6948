"""Model tables and notes in words: no code names, p-values by the one precision rule."""

from __future__ import annotations

import pandas as pd
import pytest

from soteria_research.sections.display import model_note, model_view


def test_model_view_shows_terms_columns_and_p_values_in_words() -> None:
    table = pd.DataFrame(
        {
            "odds_ratio": [0.83, 0.29],
            "ci_low": [0.72, 0.25],
            "ci_high": [0.96, 0.34],
            "p_value": [0.0123, 0.00001],
        },
        index=pd.Index(["victim_age_band[0-12]", "relationship[stranger]"], name="term"),
    )
    view = model_view(table)
    assert list(view.index) == ["Victim age: 0-12", "Victim-suspect relationship: stranger"]
    assert view.index.name == "Term"
    assert list(view.columns) == ["Odds ratio", "Lower limit", "Upper limit", "p-value"]
    assert list(view["p-value"]) == ["p = 0.012", "p < 0.001"]
    assert table.loc["relationship[stranger]", "p_value"] == 0.00001  # input unchanged


@pytest.mark.parametrize(
    ("note", "words"),
    [
        (
            "victim_age_band levels ['16-17'] left out: no variation in charge",
            "Victim age 16-17 left out: no variation in charge",
        ),
        (
            "relationship levels ['family', 'other'] left out: no variation in charge",
            "Victim-suspect relationship family, other left out: no variation in charge",
        ),
        (
            "offence_subgroup left out: one level only",
            "Offence left out: every crime has the same offence",
        ),
        ("something else", "something else"),
    ],
)
def test_model_notes_name_characteristics_in_words(note: str, words: str) -> None:
    assert model_note(note) == words


def test_a_figure_reaches_the_html_report_with_its_alternative_text() -> None:
    import nbformat
    from matplotlib.figure import Figure

    from soteria_research.report.html import ReportHeader, render_html
    from soteria_research.sections.display import figure_output

    fig = Figure()
    fig.alt_text = "Bars of crimes reaching each stage & more"
    fig.subplots().bar(["a", "b"], [1, 2])
    data, metadata = figure_output(fig)
    assert data["text/plain"] == fig.alt_text
    cell = nbformat.v4.new_code_cell("plots")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data=data, metadata=metadata),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    header = ReportHeader("Force report", "Durham", "2023/24", "synthetic", "0.1", "2026-01-01")
    page = render_html(notebook, header)
    assert 'alt="Bars of crimes reaching each stage &amp; more"' in page
    assert "No description has been provided" not in page


def test_a_section_displays_its_figure_with_alternative_text_in_a_notebook() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from matplotlib.figure import Figure

    from soteria_research.sections.display import Section

    InteractiveShell.instance()  # display() publishes rich output only inside a shell
    fig = Figure()
    fig.alt_text = "Histogram of days to charge"
    fig.subplots().hist([1, 2, 2, 3])
    with capture_output() as captured:
        Section("Timeliness", None, "Half within 100 days.", [fig])._ipython_display_()
    image = captured.outputs[-1]
    assert "image/png" in image.data
    assert image.metadata == {"image/png": {"alt": "Histogram of days to charge"}}
