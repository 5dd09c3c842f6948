"""Writing a force folder: CSV and Excel extracts, YAML and JSON, byte for byte stable.

The same inputs always give the same bytes: CSV through pandas with fixed options, and
Excel workbooks with fixed document dates and fixed timestamps on every zip entry
(openpyxl stamps both with the current time).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml
from openpyxl import Workbook

from soteria_research.synth.layouts import Layout


def xlsx_bytes(workbook: Workbook, when: dt.datetime) -> bytes:
    """Serialise a workbook with ``when`` as its creation, modification and zip times."""
    workbook.properties.created = when
    workbook.properties.modified = when
    workbook.properties.creator = "soteria synth"
    workbook.properties.lastModifiedBy = "soteria synth"
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # save() stamps "modified" with now
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    return out.getvalue()


def write_extract(
    rows: pd.DataFrame, folder: Path, layout: Layout, title: str, when: dt.datetime
) -> dict[str, int]:
    """Write the extract file(s) of a layout; return data rows per file name."""
    counts: dict[str, int] = {}
    for name, part in rows.groupby("_file", sort=False):
        data = part.drop(columns="_file")
        if layout.file_format == "excel":
            (folder / name).write_bytes(_excel_extract(data, title, when))
        else:
            (folder / name).write_bytes(csv_bytes(data, layout))
        counts[str(name)] = len(data)
    return counts


def csv_bytes(data: pd.DataFrame, layout: Layout) -> bytes:
    """A CSV file in the layout's delimiter, quoting, line ending and encoding.

    Every value is text or missing. Written by pyarrow for speed: values are quoted only
    where they must be, or every text value when the layout quotes strings.
    """
    table = pa.Table.from_pandas(data, preserve_index=False)
    body = io.BytesIO()
    for style in ("needed",) if layout.quote_strings else ("none", "needed"):
        try:
            options = pacsv.WriteOptions(
                include_header=False, delimiter=layout.delimiter, quoting_style=style
            )
            pacsv.write_csv(table, body, options)
            break
        except pa.ArrowInvalid:  # a value holds the delimiter or a quote: quote text values
            body = io.BytesIO()
    header = io.StringIO()
    quoting = csv.QUOTE_ALL if layout.quote_strings else csv.QUOTE_MINIMAL
    csv.writer(header, delimiter=layout.delimiter, lineterminator="\n", quoting=quoting).writerow(
        data.columns
    )
    raw = header.getvalue().encode("utf-8") + body.getvalue()
    if layout.lineterminator != "\n":
        raw = raw.replace(b"\n", layout.lineterminator.encode("ascii"))
    return raw if layout.encoding == "utf-8" else raw.decode("utf-8").encode(layout.encoding)


def _excel_extract(data: pd.DataFrame, title: str, when: dt.datetime) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Extract")
    sheet.append([title])
    sheet.append([])
    sheet.append(list(data.columns))
    for values in data.itertuples(index=False, name=None):
        sheet.append(list(values))
    return xlsx_bytes(workbook, when)


def write_yaml(document: dict, path: Path, comment: str) -> None:
    """Write a YAML document after a comment line."""
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(f"# {comment}\n{body}", encoding="utf-8")


def write_json(document: dict, path: Path) -> None:
    """Write a JSON document, indented, UTF-8."""
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
