"""Checking a text file's declared encoding before it is read.

:func:`check_encoding` looks at the first bytes of a file: a byte-order mark (UTF-8,
UTF-16, UTF-32) says which encoding the file is in, and a declared encoding that does not
fit it is refused with the one that does; without a mark, the start of the file must decode
in the declared encoding, and when it does not, the message names an encoding that does.
A mistake is one :class:`~soteria_research.errors.ExtractError` line, never a crash in the
CSV reader.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from soteria_research.errors import ExtractError

SAMPLE_BYTES = 1 << 16
#: Byte-order marks, longest first (a UTF-32 LE mark starts like a UTF-16 LE one).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Encodings tried, in order, to suggest one that reads the file.
CANDIDATES = ("utf-8", "cp1252", "latin-1")


def family(encoding: str) -> str:
    """``utf-8``, ``utf-16``, ``utf-32`` or the codec's own name (``cp1252``...)."""
    name = codecs.lookup(encoding).name
    for wide in ("utf-32", "utf-16", "utf-8"):
        if name.startswith(wide):
            return wide
    return name


def bom_encoding(head: bytes) -> str | None:
    """The encoding family a byte-order mark at the start of ``head`` announces."""
    return next((name for mark, name in BOMS if head.startswith(mark)), None)


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _looks_utf16(data: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when the bytes are mostly text with NULs between."""
    if len(data) < 4 or data.count(0) < len(data) // 4:
        return None
    odd, even = data[1::2].count(0), data[0::2].count(0)
    return "utf-16-le" if odd > even else "utf-16-be"


def suggest_encoding(data: bytes) -> str | None:
    """An encoding the bytes decode in (``utf-16-le`` for UTF-16 without a mark)."""
    if mark := bom_encoding(data):
        return mark
    if wide := _looks_utf16(data):
        return wide
    return next((name for name in CANDIDATES if _decodes(data, name)), None)


def check_encoding(path: Path, encoding: str, mapping_path: Path) -> str:
    """Check a file against its declared encoding; return the codec to read it with.

    Parameters
    ----------
    path
        The text file.
    encoding
        The encoding the mapping declares (``files: encoding:``).
    mapping_path
        The mapping, named in messages.

    Returns
    -------
    str
        The encoding to read with: ``utf-8`` for UTF-8 with or without a mark (the reader
        skips it), else the declared one.

    Raises
    ------
    ExtractError
        A byte-order mark of another encoding, UTF-16/32 declared for a file without a mark
        that is not UTF-16/32, NUL bytes of UTF-16 text under an 8-bit encoding, or bytes
        the declared encoding cannot decode. The message says which encoding to set.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except OSError as exc:
        raise ExtractError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    declared = family(encoding)
    mark = bom_encoding(head)
    fix = f"for this file in {mapping_path}"
    if mark and mark != declared:
        raise ExtractError(
            f"{path}: the file starts with a {mark.upper()} byte-order mark but the mapping "
            f"says encoding: {encoding}. Set `encoding: {mark}` {fix}."
        )
    if mark:
        return "utf-8" if mark == "utf-8" else encoding
    if declared in ("utf-16", "utf-32") and codecs.lookup(encoding).name == declared:
        found = suggest_encoding(head) or "utf-8"
        if found.startswith(declared):
            return found
        raise ExtractError(
            f"{path}: the mapping says encoding: {encoding} but the file has no {declared} "
            f"byte-order mark and reads as {found}. Set `encoding: {found}` {fix}."
        )
    wide = _looks_utf16(head)
    if wide and declared not in ("utf-16", "utf-32"):
        raise ExtractError(
            f"{path}: the file looks like {wide} (text with NUL bytes between letters) but the "
            f"mapping says encoding: {encoding}. Set `encoding: {wide}` {fix}."
        )
    if not _decodes(head, encoding):
        found = suggest_encoding(head)
        hint = f" It reads as {found}: set `encoding: {found}` {fix}." if found else ""
        raise ExtractError(
            f"{path}: the text is not valid {encoding}.{hint or f' Set `encoding:` {fix}.'} "
            "(Exports from Excel are often cp1252 or latin-1.)"
        )
    return "utf-8" if declared == "utf-8" else encoding
