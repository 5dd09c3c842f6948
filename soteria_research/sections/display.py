"""What a report section shows: a finding, then tables, figures and notes."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from typing import Any

from soteria_research.reference import vocabulary as vocab


def pillar_name(slug: str) -> str:
    """Display name of a pillar slug."""
    return vocab.label("pillar", slug)


def figure_png(figure: Any, dpi: int = 96) -> bytes:
    """A figure as PNG bytes (no pyplot state, same bytes for the same figure)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


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
        from IPython.display import HTML, Image, display
        from matplotlib.figure import Figure

        display(HTML(self.header_html()))
        for item in self.items:
            if isinstance(item, Figure):
                display(Image(data=figure_png(item)))
            elif isinstance(item, str):
                display(HTML(f'<p class="note">{html.escape(item)}</p>'))
            else:
                display(item)
