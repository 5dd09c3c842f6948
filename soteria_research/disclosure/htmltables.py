"""Read the tables and the visible text of an HTML report with the standard library.

``pandas.read_html`` needs lxml or html5lib, which the workbench does not install; this
parser keeps what the audit needs: each table's attributes, caption, header and body cells
(with their ``data-sdc`` marks and source line), and the text a reader sees (outside
``<script>`` and ``<style>``), with line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_HIDDEN = {"script", "style", "template", "noscript"}


@dataclass
class Cell:
    """One table cell as a reader sees it."""

    text: str
    header: bool
    marks: frozenset[str]
    line: int
    span: int = 1


@dataclass
class Table:
    """One ``<table>``: attributes, caption, header rows and body rows."""

    number: int
    line: int
    attrs: dict[str, str]
    caption: str = ""
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """How a problem report names the table."""
        name = self.attrs.get("data-sdc-name") or self.caption
        return f"table {self.number}" + (f" ({name!r})" if name else "")


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.texts: list[tuple[int, str]] = []
        self._stack: list[Table] = []
        self._hidden = 0
        self._section = "body"
        self._row: list[Cell] | None = None
        self._cell: dict | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        line = self.getpos()[0]
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "table":
            table = Table(len(self.tables) + 1, line, values)
            self.tables.append(table)
            self._stack.append(table)
            self._section = "body"
        elif not self._stack:
            return
        elif tag == "thead":
            self._section = "head"
        elif tag in ("tbody", "tfoot"):
            self._section = "body"
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            span = values.get("colspan", "1")
            self._cell = {
                "header": tag == "th",
                "marks": frozenset(values.get("data-sdc", "").split()),
                "line": line,
                "text": [],
                "span": int(span) if span.isdigit() and int(span) > 0 else 1,
            }
        elif tag == "br" and self._cell is not None:
            self._cell["text"].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif not self._stack:
            return
        elif tag == "table":
            self._stack.pop()
            self._row = self._cell = None
        elif tag == "caption" and self._caption is not None:
            self._stack[-1].caption = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = " ".join("".join(self._cell.pop("text")).split())
            self._row.append(Cell(text=text, **self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self._stack[-1]
            all_headers = bool(self._row) and all(c.header for c in self._row)
            if self._section == "head" or (all_headers and not table.body):
                table.head.append(self._row)
            else:
                table.body.append(self._row)
            self._row = None
        elif tag == "thead":
            self._section = "body"

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._cell is not None:
            self._cell["text"].append(data)
        elif self._caption is not None:
            self._caption.append(data)
        if data.strip():
            self.texts.append((self.getpos()[0], data))


def parse_html(text: str) -> tuple[list[Table], list[tuple[int, str]]]:
    """The tables of an HTML document and its visible text chunks ``(line, text)``."""
    parser = _Parser()
    parser.feed(text)
    parser.close()
    return parser.tables, parser.texts


def expand(row: list[Cell]) -> list[Cell]:
    """A row with each cell repeated over its ``colspan``, so positions line up."""
    return [cell for cell in row for _ in range(cell.span)]
