"""Shared by the synth tests: the forces they generate, and a minimal extract reader.

The reader reads a force folder through its mapping, independently of the package: it
follows what ``docs/mapping.md`` promises and nothing more, so the tests can show that
each generated ``mapping.yaml`` really describes its files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import yaml

#: One force of each export layout: ISO CSV, semicolon CSV, Excel, latin-1 labels.
LAYOUT_FORCES = ["Cleveland", "Durham", "London, City of", "Gwent"]


def read_force(folder: Path) -> tuple[dict, pd.DataFrame]:
    """The mapping and every data row as the files hold it, with ``_file`` and ``_row``."""
    mapping = yaml.safe_load((folder / "mapping.yaml").read_text(encoding="utf-8"))
    frames = []
    for spec in mapping["files"]:
        for path in sorted(folder.glob(spec["path"])):
            if spec["format"] == "csv":
                frame = pd.read_csv(
                    path,
                    dtype=str,
                    keep_default_na=False,
                    encoding=spec["encoding"],
                    sep=spec["delimiter"],
                )
                first = 2
            else:
                header = spec.get("header_row", 1)
                frame = pd.read_excel(
                    path,
                    sheet_name=spec.get("sheet", 0),
                    header=header - 1,
                    dtype=object,
                    keep_default_na=False,
                )
                first = header + 1
            frame = frame.astype(object).where(frame.notna(), "")
            frame["_file"] = path.name
            frame["_row"] = range(first, first + len(frame))
            frames.append(frame)
    return mapping, pd.concat(frames, ignore_index=True)


def parse_date(value: object, formats: list[str]) -> dt.date | None:
    """A date in the first of ``formats`` that fits; None when blank."""
    if value is None or str(value).strip() == "":
        return None
    for fmt in formats:
        if fmt == "excel_serial":
            if str(value).strip().isdigit():
                return dt.date(1899, 12, 30) + dt.timedelta(days=int(str(value).strip()))
            continue
        try:
            return dt.datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"no format fits {value!r}")


def date_formats(mapping: dict, field: str) -> list[str]:
    return mapping["dates"].get("per_column", {}).get(field, mapping["dates"]["formats"])


def code(mapping: dict, kind: str, value: object) -> object:
    """A source value through the mapping's code map (trimmed, case-insensitive)."""
    table = {str(k).strip().casefold(): v for k, v in mapping["codes"].get(kind, {}).items()}
    return table.get(str(value).strip().casefold(), value)
