"""Where things live.

Every location the workbench reads or writes comes from here. Data and reports live
under the project root, which defaults to the code checkout and can be moved with the
``SOTERIA_ROOT`` environment variable (tests point it at a temporary folder); settings
and notebooks always come from the checkout. This module imports nothing from the
package.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = PACKAGE_DIR / "reference"
#: The code checkout: config/ and notebooks/ always come from here, whatever the data root.
CHECKOUT_DIR = PACKAGE_DIR.parent


def root() -> Path:
    """Return the project root (``SOTERIA_ROOT`` when set)."""
    env = os.environ.get("SOTERIA_ROOT")
    return Path(env).resolve() if env else PACKAGE_DIR.parent


def config_dir() -> Path:
    """Folder of settings and framework files (``SOTERIA_CONFIG_DIR`` to move it)."""
    return Path(os.environ.get("SOTERIA_CONFIG_DIR", CHECKOUT_DIR / "config"))


def settings_file() -> Path:
    """The one settings file."""
    return config_dir() / "settings.yaml"


def data_dir() -> Path:
    return root() / "data"


def raw_dir() -> Path:
    """Immutable raw extracts and their mappings, one folder per force."""
    return data_dir() / "raw"


def processed_dir() -> Path:
    """Canonical tables written by ``soteria clean``."""
    return data_dir() / "processed"


def release_dir() -> Path:
    """``data/release/``: the protected ledger of the latest release (internal)."""
    return data_dir() / "release"


def headline_fallbacks_file() -> Path:
    """The release's headline figures pooled over every year, for the landing page (only
    published values; kept beside the ledger it was read from)."""
    return release_dir() / "headline_fallbacks.parquet"


def external_dir() -> Path:
    """Published data from outside (Home Office open data)."""
    return data_dir() / "external"


def reports_dir() -> Path:
    """Rendered reports, the evidence base and run manifests."""
    return root() / "reports"


def notebooks_dir() -> Path:
    """The parameterised notebooks (from the code checkout)."""
    return CHECKOUT_DIR / "notebooks"


def key_file() -> Path:
    """Default location of the pseudonymisation key (outside git)."""
    return Path(os.environ.get("SOTERIA_KEY_FILE", Path.home() / ".soteria" / "pseudonym.key"))
