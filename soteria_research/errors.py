"""One error hierarchy.

Every error the workbench raises on purpose is a :class:`SoteriaError`. Messages say
what was wrong, where (file, row, column) and what to do; the command line prints them
without a traceback.
"""

from __future__ import annotations


class SoteriaError(Exception):
    """Base class of every error raised on purpose by the workbench."""


class ConfigError(SoteriaError):
    """The settings file or a framework file is missing or invalid."""


class ReferenceDataError(SoteriaError):
    """A value is not in the reference data (unknown force, outcome, offence...)."""


class UnknownValueError(ReferenceDataError):
    """A value could not be normalised; the message lists the closest valid values."""

    def __init__(self, kind: str, value: object, suggestions: list[str], hint: str = "") -> None:
        self.kind = kind
        self.value = value
        self.suggestions = suggestions
        close = f" Did you mean: {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        extra = f" {hint}" if hint else ""
        super().__init__(f"Unknown {kind} {value!r}.{close}{extra}")


class MappingError(SoteriaError):
    """An extract mapping (YAML) is invalid or does not fit its files."""


class ExtractError(SoteriaError):
    """A source file cannot be read (missing, empty, unreadable, wrong columns)."""


class ReconciliationError(SoteriaError):
    """Input rows do not equal clean + quarantined + duplicate rows."""


class PseudonymKeyError(SoteriaError):
    """No pseudonymisation key is available for real data."""


class DataError(SoteriaError):
    """Processed or published data is missing or does not fit its schema."""


class DisclosureError(SoteriaError):
    """An output would disclose, or an audit found a disclosive output."""


class RunError(SoteriaError):
    """A batch run could not start or finished with failures."""


class ParameterError(SoteriaError):
    """A parameter given by a user is out of range or unknown."""
