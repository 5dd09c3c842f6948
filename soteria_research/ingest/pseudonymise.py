"""Keyed pseudonyms: source references become keyed hashes on the way in.

* crime and victim ids: ``H(key, force + "|" + ref)``, so the same reference in two
  forces gives two ids;
* suspect ids: ``H(key, "suspect|" + ref)``, so a repeat suspect links within and
  across forces (given a shared reference such as a PNC id).

References are normalised first (upper case, white space removed) and each id is 16 hex
digits (64 bits). ``H`` is the pseudonym **scheme**, ``pseudonymisation.scheme`` in the
settings, recorded in every force's ``provenance.json``:

* ``siphash24-v2`` (the default): SipHash-2-4 keyed with the first 16 bytes of
  ``HMAC-SHA256(key, "soteria pseudonym siphash24-v2")``, computed for a whole column at
  once (:mod:`~soteria_research.ingest.siphash`);
* ``hmac-sha256-v1``: the first 8 bytes of ``HMAC-SHA256(key, message)``, one call per
  reference: the ids of every clean made before the scheme was versioned, kept so that
  they can be reproduced.

The two schemes give different ids for the same reference; every force of one analysis
must be cleaned with the same scheme and key (``docs/pseudonymisation.md``). The key comes from the environment variable named in the settings
(``pseudonymisation.key_env``, default ``SOTERIA_PSEUDONYM_KEY``) or the key file
(``~/.soteria/pseudonym.key``, moved by ``SOTERIA_KEY_FILE``). Synthetic data may use
:data:`SYNTHETIC_DEMO_KEY` when no key is set; real data never does.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from soteria_research import paths, settings
from soteria_research.errors import ConfigError, PseudonymKeyError
from soteria_research.ingest.siphash import hex_digits, siphash24

log = logging.getLogger(__name__)

#: Fixed, public key used only for synthetic data when no key is set. Not a secret.
SYNTHETIC_DEMO_KEY = b"soteria-synthetic-demo-key-NOT-SECRET-never-use-for-real-data"
DEFAULT_KEY_ENV = "SOTERIA_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16
HEX_DIGITS = 16
_SPACE = re.compile(r"[\t\n\f\r ]+")
GENERATE_COMMAND = "python -c 'import secrets; print(secrets.token_hex(32))'"
HMAC_V1 = "hmac-sha256-v1"
SIPHASH_V2 = "siphash24-v2"
SCHEMES = (SIPHASH_V2, HMAC_V1)
DEFAULT_SCHEME = SIPHASH_V2
_SIPHASH_LABEL = b"soteria pseudonym siphash24-v2"


def scheme() -> str:
    """The pseudonym scheme: ``pseudonymisation.scheme`` in the settings (default
    ``siphash24-v2``).

    Raises
    ------
    ConfigError
        The setting names no known scheme.
    """
    try:
        value = settings.section("pseudonymisation").get("scheme") or DEFAULT_SCHEME
    except ConfigError:
        return DEFAULT_SCHEME
    if value not in SCHEMES:
        raise ConfigError(
            f"pseudonymisation.scheme in {settings.paths.settings_file()} is {value!r}; use "
            f"one of {', '.join(SCHEMES)} (docs/pseudonymisation.md)."
        )
    return str(value)


def key_env() -> str:
    """Name of the environment variable that holds the key."""
    try:
        section = settings.section("pseudonymisation")
    except ConfigError:
        return DEFAULT_KEY_ENV
    return str(section.get("key_env") or DEFAULT_KEY_ENV)


def _configured_key() -> tuple[bytes | None, str]:
    env = key_env()
    value = os.environ.get(env, "").strip()
    if value:
        return value.encode("utf-8"), f"${env}"
    path = paths.key_file()
    if path.is_file():
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise PseudonymKeyError(f"Cannot read the key file {path}: {exc}.") from exc
        if value:
            return value.encode("utf-8"), str(path)
    return None, ""


def resolve_key(data_source: str) -> bytes:
    """The pseudonymisation key for an extract.

    Parameters
    ----------
    data_source
        ``synthetic`` or ``real`` (from the mapping).

    Raises
    ------
    PseudonymKeyError
        Real data and no key (or one shorter than 16 characters); the message says how
        to set one.
    """
    key, where = _configured_key()
    if key is not None:
        if data_source == "real" and len(key) < MIN_KEY_LENGTH:
            raise PseudonymKeyError(
                f"The pseudonymisation key in {where} is shorter than {MIN_KEY_LENGTH} "
                f"characters. Generate a strong one with: {GENERATE_COMMAND}"
            )
        log.debug("pseudonymisation key from %s", where)
        return key
    if data_source == "synthetic":
        log.debug("no pseudonymisation key set: using the public demo key (synthetic data)")
        return SYNTHETIC_DEMO_KEY
    env = key_env()
    raise PseudonymKeyError(
        "Real data needs a pseudonymisation key, and none is set. Either\n"
        f"  export {env}=$({GENERATE_COMMAND})\n"
        f"or write a key to {paths.key_file()} (one line; `chmod 600` it), outside git.\n"
        "Keep the key secret and use the same key for every run, so that ids link across "
        "runs and forces."
    )


def normalise_ref(ref: str) -> str:
    """The form a reference is hashed in: upper case, no spaces, tabs or line breaks."""
    return _SPACE.sub("", str(ref)).upper()


def _states(key: bytes):
    """Inner and outer SHA-256 states of HMAC (RFC 2104), so each message costs two blocks."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def _digests(refs: Iterable[str], key: bytes, prefix: str) -> bytes:
    """The first 8 bytes of ``HMAC-SHA256(key, prefix + ref)`` of each ref, joined (v1)."""
    inner, outer = _states(key)
    inner.update(prefix.encode("utf-8"))
    copy_inner, copy_outer = inner.copy, outer.copy
    size = HEX_DIGITS // 2
    out = []
    append = out.append
    for ref in refs:
        first = copy_inner()
        first.update(ref.encode("utf-8"))
        second = copy_outer()
        second.update(first.digest())
        append(second.digest()[:size])
    return b"".join(out)


def _siphash_key(key: bytes) -> bytes:
    """The 16-byte SipHash key of scheme v2, derived from the pseudonymisation key."""
    return hmac.new(key, _SIPHASH_LABEL, hashlib.sha256).digest()[:16]


def row_hasher(key: bytes, prefix: str, scheme_name: str | None = None):
    """For a scheme computed on whole columns (``siphash24-v2``): a function from normalised
    references (a pyarrow array) to the ``uint64`` pseudonym of each; None for
    ``hmac-sha256-v1``, whose cost is per call (hash each distinct reference once instead).
    :func:`hex_digits` turns the hashes into the ids :func:`pseudonyms` gives."""
    if (scheme_name or scheme()) != SIPHASH_V2:
        return None
    derived, head = _siphash_key(key), prefix.encode("utf-8")
    return lambda refs: siphash24(derived, refs, head)


def pseudonym_codes(refs, key: bytes, prefix: str, scheme_name: str | None = None) -> np.ndarray:
    """:func:`pseudonyms` as a NumPy array of 16-byte ASCII strings (dtype ``S16``).

    ``refs`` may be a list, a NumPy or pandas array or a pyarrow string array.
    """
    if (scheme_name or scheme()) == SIPHASH_V2:
        if isinstance(refs, pd.api.extensions.ExtensionArray):  # its Arrow buffers, no copy
            refs = pa.array(refs, type=pa.large_string())
        elif hasattr(refs, "tolist") and not isinstance(refs, pa.Array):
            refs = refs.tolist()
        return hex_digits(siphash24(_siphash_key(key), refs, prefix.encode("utf-8")))
    texts = refs.to_pylist() if isinstance(refs, pa.Array) else refs
    texts = texts.tolist() if hasattr(texts, "tolist") else list(texts)
    data = _digests(texts, key, prefix).hex().encode("ascii")
    return np.frombuffer(data, dtype=f"S{HEX_DIGITS}")


def pseudonym_array(
    refs, key: bytes, prefix: str, scheme_name: str | None = None
) -> pd.api.extensions.ExtensionArray:
    """:func:`pseudonyms` as a pandas ``string`` array."""
    codes = pseudonym_codes(refs, key, prefix, scheme_name)
    return pd.array(codes.astype(str), dtype=pd.StringDtype("pyarrow"))


def pseudonyms(
    refs: Iterable[str], key: bytes, prefix: str, scheme_name: str | None = None
) -> list[str]:
    """The keyed hash of ``prefix + ref`` of each already-normalised reference, 16 hex digits,
    in the configured scheme (or ``scheme_name``).

    >>> pseudonyms(["AS/1"], b"k" * 32, "Durham|")[0] == keyed_hash(b"k" * 32, "Durham|AS/1")
    True
    """
    codes = pseudonym_codes(list(refs), key, prefix, scheme_name)
    return codes.astype(str).tolist()


def keyed_hash(key: bytes, message: str, scheme_name: str | None = None) -> str:
    """One keyed hash, 16 hex digits (the one-message form of :func:`pseudonyms`)."""
    if (scheme_name or scheme()) == SIPHASH_V2:
        return pseudonyms([message], key, "", SIPHASH_V2)[0]
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:HEX_DIGITS]


def crime_pseudonym(key: bytes, force: str, ref: str, scheme_name: str | None = None) -> str:
    """Crime (or victim) id of a reference in a force."""
    return keyed_hash(key, f"{force}|{normalise_ref(ref)}", scheme_name)


def suspect_pseudonym(key: bytes, ref: str, scheme_name: str | None = None) -> str:
    """Suspect id of a reference: the same in every force."""
    return keyed_hash(key, f"suspect|{normalise_ref(ref)}", scheme_name)
