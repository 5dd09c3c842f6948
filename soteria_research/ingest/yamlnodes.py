"""Reading YAML by its nodes, so that every value keeps the line it came from.

Scalars are taken as the text the user wrote (``Y``, ``16``, ``NULL`` stay strings), which
is what a code map needs; :class:`Context` turns a line and a message into a
:class:`~soteria_research.errors.MappingError` that names the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from soteria_research.errors import MappingError

Node = yaml.Node
_NULL_TAG = "tag:yaml.org,2002:null"
#: libyaml when installed (same nodes and line marks, many times faster).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Context:
    """Where the YAML came from, for messages."""

    path: Path

    def error(self, line: int, message: str) -> MappingError:
        """A :class:`MappingError` for ``line`` (1-based) of the file."""
        return MappingError(f"{self.path}, line {line}: {message}")


def line(node: Node) -> int:
    """1-based line a node starts on."""
    return node.start_mark.line + 1


def compose(text: str, ctx: Context) -> Node:
    """Parse YAML text to its node tree; invalid YAML names the line the parser stopped at."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = mark.line + 1 if mark else 1
        raise ctx.error(
            where,
            f"not valid YAML ({problem}). Check the indentation and that values holding "
            "':' or '#' are quoted.",
        ) from exc
    if node is None:
        raise ctx.error(1, "the mapping is empty (see docs/mapping.md for the format).")
    if not isinstance(node, yaml.MappingNode):
        raise ctx.error(line(node), "the mapping must be a set of `key: value` lines.")
    return node


def mapping_items(node: Node, where: str, ctx: Context) -> dict[str, tuple[int, Node]]:
    """Keys of a mapping node as written, with their line and value node."""
    if not isinstance(node, yaml.MappingNode):
        raise ctx.error(line(node), f"{where} must be a set of `key: value` entries.")
    items: dict[str, tuple[int, Node]] = {}
    for key_node, value_node in node.value:
        key = scalar(key_node, where, ctx) or ""
        if key in items:
            raise ctx.error(
                line(key_node),
                f"{key!r} appears twice in {where} (first on line {items[key][0]}).",
            )
        items[key] = (line(key_node), value_node)
    return items


def sequence(node: Node, where: str, ctx: Context) -> list[Node]:
    """Items of a list node."""
    if not isinstance(node, yaml.SequenceNode):
        raise ctx.error(line(node), f"{where} must be a list (`- item` lines or [a, b]).")
    return list(node.value)


def scalar(node: Node, where: str, ctx: Context) -> str | None:
    """The text of a scalar node as written (``NULL`` stays text); None when left empty."""
    if not isinstance(node, yaml.ScalarNode):
        raise ctx.error(line(node), f"{where} must be a single value, not a list or a mapping.")
    if node.tag == _NULL_TAG and node.value in ("", "~"):
        return None
    return str(node.value)
