"""Independent checks of a protected table, written without the package's own algorithm.

``recoverable_by_subtraction`` is the literal rule (a hidden cell equals a published total
minus the published cells of its line); ``bridges`` finds hidden cells that the totals
determine by any combination of lines, using the graph fact that in a two-way table with
margins a hidden cell is determined exactly when it is a bridge of the row-column graph
of the hidden cells (totals included as a row and a column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def lines_of(table: pd.DataFrame) -> list[list[tuple[object, object]]]:
    """Every row and every column of a table with totals, as lists of cell positions."""
    rows = [[(r, c) for c in table.columns] for r in table.index]
    cols = [[(r, c) for r in table.index] for c in table.columns]
    return rows + cols


def recoverable_by_subtraction(table: pd.DataFrame, original: pd.DataFrame) -> list:
    """Hidden cells equal to a published total minus the published cells of its line."""
    found = []
    for line in lines_of(table):
        hidden = [cell for cell in line if pd.isna(table.at[cell])]
        total = line[-1]
        if len(hidden) == 1 and hidden[0] != total:
            others = sum(int(table.at[cell]) for cell in line[:-1] if cell != hidden[0])
            if int(table.at[total]) - others == int(original.at[hidden[0]]):
                found.append(hidden[0])
        elif len(hidden) == 1:
            found.append(total)
    return found


def bridges(hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells (i, j) that are bridges of the bipartite row-column graph."""
    edges = [tuple(map(int, e)) for e in np.argwhere(hidden)]
    found = []
    for k, (i, j) in enumerate(edges):
        rest = edges[:k] + edges[k + 1 :]
        reach, todo = {("r", i)}, [("r", i)]
        while todo:
            kind, node = todo.pop()
            for a, b in rest:
                if kind == "r" and a == node and ("c", b) not in reach:
                    reach.add(("c", b))
                    todo.append(("c", b))
                elif kind == "c" and b == node and ("r", a) not in reach:
                    reach.add(("r", a))
                    todo.append(("r", a))
        if ("c", j) not in reach:
            found.append((i, j))
    return found
