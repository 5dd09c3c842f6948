"""The output-checking log: every published output, the rules applied and what was withheld.

A human output checker reviews it beside the report. Each entry names one output (a table,
figure, model, statistic or the evidence base), its kind, the method (suppression or
rounding), the thresholds in force, a status and, for tables, which cells were suppressed
and why. The log never carries a suppressed value or any record-level data: cells are
named by their row and column labels only.

Statuses: ``pass`` (published unchanged), ``protected`` (published after suppression or
rounding), ``withheld`` (not published because a rule failed), ``unchecked`` (disclosure
control was switched off) and ``fail`` (published although a rule failed: the audit
rejects a log holding one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from soteria_research import __version__
from soteria_research.disclosure.rules import Rules, resolve
from soteria_research.errors import DataError

FORMAT = "soteria-output-log/1"
STATUSES = ("pass", "protected", "withheld", "unchecked", "fail")
REQUIRED_KEYS = ("output", "kind", "status")
LOG_SUFFIX = ".outputs.json"


def make_entry(
    output: str,
    kind: str,
    status: str,
    rules: Rules,
    *,
    thresholds: Sequence[str] = (),
    rules_applied: Sequence[str] = (),
    summary: str = "",
    cells: Sequence[Mapping[str, Any]] = (),
    **extra: Any,
) -> dict[str, Any]:
    """One log entry (a plain, JSON-ready dict).

    Parameters
    ----------
    output
        Name of the output as the report shows it.
    kind
        ``frequency table``, ``rate table``, ``magnitude table``, ``regression``,
        ``survival table``, ``statistic``, ``figure`` or ``evidence base``.
    status
        One of :data:`STATUSES`.
    rules
        The rules in force (the method and the named thresholds are copied).
    thresholds
        Names of the :class:`Rules` fields this output was checked against.
    rules_applied
        Plain-language list of the checks made.
    summary
        One line for the checker.
    cells
        Suppressed cells: ``{"row", "column", "suppression", "reason"}`` (labels only).
    **extra
        Further JSON-ready facts (shape, degrees of freedom...).
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    settings = rules.as_dict()
    entry: dict[str, Any] = {
        "output": str(output),
        "kind": kind,
        "status": status,
        "method": rules.method if rules.enabled else "none",
        "thresholds": {key: settings[key] for key in thresholds},
        "rules_applied": list(rules_applied),
        "summary": summary,
    }
    if cells:
        entry["cells"] = [dict(cell) for cell in cells]
    entry.update(extra)
    return json.loads(json.dumps(entry, default=_plain))


def _plain(value: Any) -> Any:
    """JSON form of numpy scalars (their Python value) and of anything else (its text)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


@dataclass
class OutputLog:
    """The entries for one report (or the evidence base), written as JSON beside it.

    Examples
    --------
    >>> log = OutputLog("force report: Durham", rules=Rules())
    >>> log.add({"output": "Table 1", "kind": "frequency table", "status": "pass"})
    >>> len(log.entries)
    1
    """

    report: str
    rules: Rules | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)
    created: str | None = None

    def add(self, item: Mapping[str, Any] | Any) -> None:
        """Add an entry, or anything with a ``log_entry`` (Protected, Check, Decision...)."""
        entry = getattr(item, "log_entry", item)
        if isinstance(entry, Mapping):
            entries = [entry]
        elif isinstance(entry, Iterable) and not isinstance(entry, (str, bytes)):
            entries = list(entry)
        else:
            raise TypeError(f"cannot log a {type(item).__name__}: give a dict or a log_entry")
        for one in entries:
            missing = [key for key in REQUIRED_KEYS if key not in one]
            if missing:
                raise DataError(f"output log entry lacks {', '.join(missing)}: {dict(one)!r}")
            if one["status"] not in STATUSES:
                raise DataError(f"output log entry has unknown status {one['status']!r}")
            self.entries.append(json.loads(json.dumps(dict(one), default=_plain)))

    def extend(self, items: Iterable[Mapping[str, Any] | Any]) -> None:
        """Add several entries."""
        for item in items:
            self.add(item)

    def to_dict(self) -> dict[str, Any]:
        """The whole log as a JSON-ready dict, with a summary count by status."""
        rules = resolve(self.rules)
        counts = {status: 0 for status in STATUSES}
        for entry in self.entries:
            counts[entry["status"]] += 1
        return {
            "format": FORMAT,
            "report": self.report,
            "created": self.created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "software": {"soteria_research": __version__},
            "rules": rules.as_dict(),
            "summary": {"outputs": len(self.entries), **counts},
            "outputs": self.entries,
        }

    def write(self, path: Path | str) -> Path:
        """Write the log as indented JSON to ``path`` (parents created); return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(text + "\n", encoding="utf-8")
        os.replace(temp, path)  # never a half-written log
        return path

    @classmethod
    def read(cls, path: Path | str) -> OutputLog:
        """Read a log written by :meth:`write`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"{path}: not a readable output log ({exc}).") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DataError(f"{path}: not an output log (format {FORMAT!r} expected).")
        rules = Rules(**data["rules"])
        log = cls(data.get("report", ""), rules=rules, created=data.get("created"))
        log.extend(data.get("outputs", []))
        return log

    @staticmethod
    def path_for(report: Path | str) -> Path:
        """Where the log of a report goes: ``reports/x.html`` -> ``reports/x.outputs.json``."""
        report = Path(report)
        return report.with_name(report.stem + LOG_SUFFIX)
