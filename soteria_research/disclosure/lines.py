"""Secondary suppression: no suppressed cell may be recovered from published totals.

A table with totals is held as an N-dimensional array whose *closed* axes end with a total
position: along a closed axis every line (the cells plus its total) adds up. A suppressed
cell is recoverable when the published cells and totals determine it, by subtraction
within one line or by combining several lines. Two passes protect against both:

1. the *line rule*: a line with exactly one suppressed cell gets a second one (a cell in
   the same line, preferring inner cells, non-zero cells, cells that also complete a
   crossing line, then the smallest), repeated to a fixed point;
2. the *linear check*: the unknown (suppressed) cells of each connected block of lines
   are solved for; a cell that every solution agrees on (zero in the null space of the
   constraints) is recoverable, and a further cell is suppressed beside it.

Cells in ``known`` are known to a reader whatever this table shows (national totals
published elsewhere), and so are the cells of a line whose published total is zero: they
are never counted as protection. Cells not in ``shown`` are not
part of the published table and are never suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from soteria_research.errors import DisclosureError

_NULL_TOLERANCE = 1e-8
_MAX_TRIALS = 25


def build_lines(shape: Sequence[int], closed: Sequence[bool]) -> list[np.ndarray]:
    """Flat cell indices of every line along a closed axis; the total is last in each."""
    index = np.arange(int(np.prod(shape))).reshape(shape)
    lines: list[np.ndarray] = []
    for axis, is_closed in enumerate(closed):
        if is_closed:
            lines.extend(np.moveaxis(index, axis, -1).reshape(-1, shape[axis]))
    return lines


def recoverable(lines: Sequence[np.ndarray], unknown: np.ndarray) -> np.ndarray:
    """Flat indices of unknown cells that the lines determine exactly.

    ``unknown`` is a flat boolean mask; every other cell counts as published.
    """
    return np.array(
        [cell for block in _blocks(lines, unknown) for cell in _determined(lines, block)],
        dtype=int,
    )


def _blocks(lines: Sequence[np.ndarray], unknown: np.ndarray) -> list[list[int]]:
    """Unknown cells grouped into blocks linked by shared lines (union-find)."""
    parent = {int(c): int(c) for c in np.flatnonzero(unknown)}

    def find(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for line in lines:
        cells = [int(c) for c in line if unknown[c]]
        for other in cells[1:]:
            parent[find(other)] = find(cells[0])
    blocks: dict[int, list[int]] = {}
    for c in parent:
        blocks.setdefault(find(c), []).append(c)
    return list(blocks.values())


def _determined(lines: Sequence[np.ndarray], block: list[int]) -> list[int]:
    """Cells of one block that are fixed by the constraints (zero in every null vector)."""
    position = {c: i for i, c in enumerate(block)}
    rows = []
    for line in lines:
        members = [(j, int(c)) for j, c in enumerate(line) if int(c) in position]
        if members:
            row = np.zeros(len(block))
            for j, c in members:
                row[position[c]] = -1.0 if j == len(line) - 1 else 1.0
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    tol = max(matrix.shape) * np.finfo(float).eps * (singular.max() if singular.size else 0.0)
    rank = int((singular > max(tol, _NULL_TOLERANCE)).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return list(block)
    weight = np.linalg.norm(null, axis=0)
    return [c for c, w in zip(block, weight, strict=True) if w < _NULL_TOLERANCE]


class _State:
    """Masks and bookkeeping shared by the passes (flat arrays)."""

    def __init__(self, values, closed, primary, known, shown) -> None:
        self.shape = values.shape
        self.values = values.ravel().astype(float)
        self.lines = build_lines(values.shape, closed)
        self.known = known.ravel().copy()
        self.shown = shown.ravel().copy()
        self.suppressed = (primary.ravel() & self.shown).copy()
        self.display_lines = [line for line in self.lines if self.shown[line].all()]
        self.lines_of: list[list[int]] = [[] for _ in range(self.values.size)]
        for i, line in enumerate(self.lines):
            for c in line:
                self.lines_of[int(c)].append(i)
        index = np.indices(values.shape).reshape(len(values.shape), -1)
        is_total = np.zeros(self.values.size, dtype=bool)
        for axis, is_closed in enumerate(closed):
            if is_closed:
                is_total |= index[axis] == values.shape[axis] - 1
        self.is_total = is_total
        # A line whose published total is zero pins every cell in it to zero (counts are
        # never negative): such cells protect nothing and count as known.
        self.pinned = np.zeros(self.values.size, bool)
        for line in self.lines:
            total = int(line[-1])
            published = self.known[total] or not self.suppressed[total]
            if self.values[total] == 0 and published:
                self.pinned[line] = True
        self.known |= self.pinned

    @property
    def unknown(self) -> np.ndarray:
        return self.suppressed & ~self.known

    def candidates(self, cells, allow_known: bool = False, beside: int = -1) -> list[int]:
        """Cells that may be suppressed next, best first.

        Inner, non-zero cells come first, then cells that also complete another line
        holding a single unknown (other than line ``beside``), then the smallest.
        """
        unknown = self.unknown
        singles = {
            i for i, line in enumerate(self.lines) if i != beside and int(unknown[line].sum()) == 1
        }
        pool = [
            int(c)
            for c in cells
            if self.shown[c]
            and not self.suppressed[c]
            and not self.pinned[c]
            and (allow_known or not self.known[c])
        ]
        return sorted(
            pool,
            key=lambda c: (
                bool(self.known[c]),
                bool(self.is_total[c]),
                self.values[c] == 0,
                not any(i in singles for i in self.lines_of[c]),
                self.values[c],
                c,
            ),
        )

    def line_rule(self) -> bool:
        """Give every line with a single unknown (or single shown suppression) a second."""
        changed_any = False
        changed = True
        while changed:
            changed = False
            for i, line in enumerate(self.lines):
                if int(self.unknown[line].sum()) == 1:
                    changed |= self._add_beside(line, allow_known=False, beside=i)
            for line in self.display_lines:
                if int(self.suppressed[line].sum()) == 1:
                    changed |= self._add_beside(line, allow_known=True)
            changed_any |= changed
        return changed_any

    def _add_beside(self, line: np.ndarray, allow_known: bool, beside: int = -1) -> bool:
        options = self.candidates(line, allow_known=allow_known, beside=beside)
        if not options:
            return False
        self.suppressed[options[0]] = True
        return True

    def linear_check(self) -> bool:
        """Suppress one more cell beside the first recoverable one; False when none is."""
        found = recoverable(self.lines, self.unknown)
        if found.size == 0:
            return False
        cell = int(found[0])
        near = {int(c) for i in self.lines_of[cell] for c in self.lines[i]}
        options = self.candidates(sorted(near)) or self.candidates(range(self.values.size))
        if not options:
            where = np.unravel_index(cell, self.shape)
            raise DisclosureError(
                f"cell at position {tuple(int(i) for i in where)} can be recovered from "
                "totals published elsewhere and no cell is left to suppress beside it: "
                "withhold the table, or protect every unit together (protect_by_unit)."
            )
        for option in options[:_MAX_TRIALS]:
            trial = self.unknown.copy()
            trial[option] = True
            block = next(b for b in _blocks(self.lines, trial) if cell in b)
            if cell not in _determined(self.lines, block):
                self.suppressed[option] = True
                return True
        self.suppressed[options[0]] = True
        return True


def protect_cells(
    values: np.ndarray,
    closed: Sequence[bool],
    primary: np.ndarray,
    known: np.ndarray | None = None,
    shown: np.ndarray | None = None,
) -> np.ndarray:
    """Primary plus secondary suppression of a table with totals.

    Parameters
    ----------
    values
        The table with its total positions (last index along each closed axis).
    closed
        For each axis, whether its lines add up to a total at the last position.
    primary
        Cells that fail a rule themselves.
    known
        Cells a reader knows from elsewhere (never relied on for protection).
    shown
        Cells the published table shows (others are never suppressed); all by default.

    Returns
    -------
    numpy.ndarray
        Boolean mask of every suppressed cell, same shape as ``values``.
    """
    values = np.asarray(values, dtype=float)
    if len(closed) != values.ndim:
        raise ValueError(f"closed has {len(closed)} entries for a {values.ndim}-d table")
    known = np.zeros(values.shape, bool) if known is None else np.asarray(known, bool)
    shown = np.ones(values.shape, bool) if shown is None else np.asarray(shown, bool)
    state = _State(values, closed, np.asarray(primary, bool), known, shown)
    while True:
        state.line_rule()
        if not state.linear_check():
            break
    return state.suppressed.reshape(values.shape)
