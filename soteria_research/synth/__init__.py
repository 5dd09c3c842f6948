"""The calibrated synthetic RASSO data set: the workbench's embedded default.

:func:`generate` writes raw extracts for the 43 forces (and BTP when asked) into
``data/raw/``: records of rape and other sexual offences calibrated to the real 2017/18
figures, in four export layouts with the mess of real extracts, each with the
``mapping.yaml`` that reads it and a filled self-assessment workbook. :func:`cases`
returns the same records as canonical fields without writing, and
:func:`~soteria_research.synth.calibration.achieved` compares them with their targets.
"""

from soteria_research.synth.build import cases, generate, has_extracts
from soteria_research.synth.calibration import achieved
from soteria_research.synth.options import Options, make_options

__all__ = ["Options", "achieved", "cases", "generate", "has_extracts", "make_options"]
