"""Report sections: what each notebook cell shows, built from the package's measures.

The notebooks stay thin: each cell calls one function here and shows the
:class:`~soteria_research.sections.display.Section` it returns (a one-line finding, then
protected tables and figures). Every table and figure passes disclosure control on the
way out, and every output is recorded in the report's output-checking log.
"""

from soteria_research.sections.context import ForceContext, open_force
from soteria_research.sections.display import Section

__all__ = ["ForceContext", "Section", "open_force"]
