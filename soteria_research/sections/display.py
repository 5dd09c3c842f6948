"""What a report section shows: a finding, then tables, figures and notes."""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from soteria_research import formatting
from soteria_research.reference import vocabulary as vocab

_ONE_LEVEL = re.compile(r"^(?P<variable>\w+) left out: one level only$")
_NO_VARIATION = re.compile(
    r"^(?P<variable>\w+) levels \[(?P<levels>.*)\] left out: no variation in charge$"
)


def pillar_name(slug: str) -> str:
    """Display name of a pillar slug."""
    return vocab.label("pillar", slug)


def model_view(table: pd.DataFrame) -> pd.DataFrame:
    """A model table (``term`` index; ``odds_ratio, ci_low, ci_high, p_value``) in words:
    terms and columns by their vocabulary labels, p-values by the one precision rule.

    >>> model_view(pd.DataFrame({"p_value": [0.0004]}, index=pd.Index(
    ...     ["relationship[stranger]"], name="term"))).to_dict("index")
    {'Victim-suspect relationship: stranger': {'p-value': 'p < 0.001'}}
    """
    view = table.copy()
    if "p_value" in view.columns:
        view["p_value"] = view["p_value"].map(formatting.p_value).astype(object)
    view.index = pd.Index(
        [vocab.term_label(t) for t in view.index],
        name=vocab.label("model_column", view.index.name or "term"),
    )
    return view.rename(columns=vocab.labels("model_column"))


def model_note(note: str) -> str:
    """A model's note on a characteristic left out, in words rather than code names.

    >>> model_note("victim_age_band levels ['16-17'] left out: no variation in charge")
    'Victim age 16-17 left out: no variation in charge'
    """
    one = _ONE_LEVEL.match(note)
    if one:
        name = vocab.label("model_variable", one["variable"])
        return f"{name} left out: every crime has the same {name.lower()}"
    few = _NO_VARIATION.match(note)
    if few:
        levels = ", ".join(re.findall(r"'([^']*)'", few["levels"])) or few["levels"]
        name = vocab.label("model_variable", few["variable"])
        return f"{name} {levels} left out: no variation in charge"
    return note


def figure_png(figure: Any, dpi: int = 96) -> bytes:
    """A figure as PNG bytes (no pyplot state, same bytes for the same figure).

    The figure is drawn once, at its own size: its constrained layout already fits what it
    holds inside it (titles are wrapped to its width by
    :func:`soteria_research.plots.fit_title`). Cropping to a tight bounding box would lay
    it out and draw it a second time, which cost a third of a report's figure time.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def figure_output(figure: Any) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A figure as a notebook display bundle and its metadata: the PNG, with the figure's
    alternative text (:func:`soteria_research.plots.alt_text`) as the image's ``alt`` and
    as its plain-text form, so the HTML report's image says what it shows."""
    from soteria_research.plots import alt_text

    words = alt_text(figure)
    png = base64.b64encode(figure_png(figure)).decode("ascii")
    return {"image/png": png, "text/plain": words}, {"image/png": {"alt": words}}


@dataclass
class Section:
    """One section of a report.

    ``items`` are shown in order: objects with ``_repr_html_`` (protected tables,
    disclosure notes), matplotlib figures, or plain strings (shown as notes).
    """

    title: str
    pillar: str | None
    finding: str
    items: list[Any] = field(default_factory=list)

    def header_html(self) -> str:
        tag = (
            f'<span class="pillar">Pillar: {html.escape(pillar_name(self.pillar))}</span>'
            if self.pillar
            else ""
        )
        return (
            f'<div class="finding">{tag}<p><strong>{html.escape(self.finding)}</strong></p></div>'
        )

    def __repr__(self) -> str:
        return f"{self.title}: {self.finding}"

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display
        from matplotlib.figure import Figure

        display(HTML(self.header_html()))
        for item in self.items:
            if isinstance(item, Figure):
                data, metadata = figure_output(item)
                display(data, metadata=metadata, raw=True)
            elif isinstance(item, str):
                display(HTML(f'<p class="note">{html.escape(item)}</p>'))
            else:
                display(item)
