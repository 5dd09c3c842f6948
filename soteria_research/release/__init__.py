"""The release: every number a run publishes, computed once and protected as a whole.

:mod:`.ledger` holds the cells and the relations between them, :mod:`.attack` works out
what a reader could recover from them, :mod:`.protect` applies primary and secondary
suppression over the whole release and checks the result.
"""

from soteria_research.release.attack import exposed, intervals
from soteria_research.release.ledger import NATIONAL, Ledger, make_key, shared_key
from soteria_research.release.protect import protect, protection_width

__all__ = [
    "NATIONAL",
    "Ledger",
    "exposed",
    "intervals",
    "make_key",
    "protect",
    "protection_width",
    "shared_key",
]
