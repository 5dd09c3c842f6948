"""``python -m soteria_research.cli``: the same as ``soteria``."""

import sys

from soteria_research.cli import main

sys.exit(main())
