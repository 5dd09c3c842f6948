"""What the audit recognises: count columns, totals, suppression marks and identifiers."""

from __future__ import annotations

import re

#: Words that make a column a count column (in a header or a file's column name).
COUNT_WORDS = frozenset(
    {
        "n", "count", "counts", "number", "numerator", "denominator", "frequency",
        "recorded", "charged", "summonsed", "cautioned", "arrested", "arrests", "referred",
        "referrals", "cases", "victims", "suspects", "offences", "crimes", "rapes",
        "events", "risk", "censored", "total", "totals", "outcomes", "withdrawals",
        "withdrawn", "pending", "people", "persons", "incidents", "reports",
    }
)  # fmt: skip

#: Words that make a column something other than a count, whatever else it says.
NOT_COUNT_WORDS = frozenset(
    {
        "rate", "rates", "%", "percent", "percentage", "per", "share", "proportion",
        "median", "mean", "average", "days", "weeks", "months", "ci", "interval", "lower",
        "upper", "low", "high", "z", "ratio", "score", "rating", "limit", "year", "age",
        "value", "estimate", "survival", "time", "effect", "effects",
    }
)  # fmt: skip

#: Column names that hold record-level identifiers or free text: never published.
IDENTIFIER_COLUMNS = frozenset(
    {
        "crime_id", "victim_id", "suspect_id", "source_file", "source_row",
        "crime_reference", "crime_ref", "crime_number", "victim_reference",
        "suspect_reference", "evidence", "actions", "owner", "free_text", "notes", "narrative",
    }
)  # fmt: skip

TOTAL_LABEL = re.compile(
    r"^(total|totals|all|all forces|grand total|england and wales|national)$", re.I
)

#: Cell texts that mean "a value is withheld here" in a count column.
SUPPRESSED_TEXTS = frozenset(
    {"[c]", "[x]", "c", "x", "*", "**", "suppressed", "<na>", "na", "nan", "n/a", "",
     "-", "–", "—", "..", "[low]"}
)  # fmt: skip

IDENTIFIER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pseudonym (16 hex digits)", re.compile(r"(?<![0-9A-Za-z.])[0-9a-fA-F]{16}(?![0-9A-Za-z])")),
    (
        "crime reference",
        re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,5}[/-]\d{2,}[/-]\d{2,}(?![0-9])"),
    ),
    ("crime reference", re.compile(r"(?<![\d/])\d{1,3}/\d{4,}/\d{2,4}(?![\d/])")),
    ("crime reference", re.compile(r"(?<![\d/])\d{6,8}/\d{2}(?![\d/])")),
    ("crime reference", re.compile(r"(?<![A-Za-z0-9])[A-Z]{2,5}\d{6,}(?![0-9])")),
    ("long digit string", re.compile(r"(?<![0-9A-Za-z.])\d{9,}(?![0-9A-Za-z])")),
)

_NUMBER = re.compile(r"^\s*([-+]?\d[\d,]*(?:\.\d+)?)\s*(%?)")


def words(label: object) -> list[str]:
    """Lower-case words of a header or column name (``Charged (n)`` -> charged, n)."""
    return re.findall(r"[a-z]+|%", str(label).lower().replace("_", " "))


def is_count_label(label: object) -> bool:
    """Whether a column with this name holds counts."""
    found = set(words(label))
    return bool(found & COUNT_WORDS) and not found & NOT_COUNT_WORDS


def is_identifier_column(label: object) -> bool:
    """Whether a column with this name holds identifiers or free text from case data."""
    return str(label).strip().lower().replace(" ", "_") in IDENTIFIER_COLUMNS


def is_total_label(label: object) -> bool:
    return bool(TOTAL_LABEL.match(str(label).strip()))


def is_suppressed_text(text: str) -> bool:
    return text.strip().lower() in SUPPRESSED_TEXTS


def parse_count(text: str) -> float | None:
    """The count a cell shows (``1,234``, ``12 (4.5%)``), or ``None`` if it shows none."""
    match = _NUMBER.match(text)
    if not match or match.group(2) == "%":
        return None
    value = float(match.group(1).replace(",", ""))
    return value if value.is_integer() else None


def find_identifiers(text: str) -> list[tuple[str, str]]:
    """``(kind, masked match)`` for everything in ``text`` that looks like an identifier."""
    found = []
    for kind, pattern in IDENTIFIER_PATTERNS:
        for match in pattern.finditer(text):
            found.append((kind, mask(match.group(0))))
    return found


def mask(value: str) -> str:
    """Enough of a matched identifier to find it, not enough to reuse it."""
    return f"{value[:3]}... ({len(value)} characters)"
