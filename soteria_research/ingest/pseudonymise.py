"""Keyed pseudonyms: source references become HMAC-SHA256 hashes on the way in.

* crime and victim ids: ``HMAC(key, force + "|" + ref)``, so the same reference in two
  forces gives two ids;
* suspect ids: ``HMAC(key, "suspect|" + ref)``, so a repeat suspect links within and
  across forces (given a shared reference such as a PNC id).

References are normalised first (upper case, white space removed) and each hash is cut to
16 hex digits. The key comes from the environment variable named in the settings
(``pseudonymisation.key_env``, default ``SOTERIA_PSEUDONYM_KEY``) or the key file
(``~/.soteria/pseudonym.key``, moved by ``SOTERIA_KEY_FILE``). Synthetic data may use
:data:`SYNTHETIC_DEMO_KEY` when no key is set; real data never does.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from soteria_research import paths, settings
from soteria_research.errors import ConfigError, PseudonymKeyError

log = logging.getLogger(__name__)

#: Fixed, public key used only for synthetic data when no key is set. Not a secret.
SYNTHETIC_DEMO_KEY = b"soteria-synthetic-demo-key-NOT-SECRET-never-use-for-real-data"
DEFAULT_KEY_ENV = "SOTERIA_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16
HEX_DIGITS = 16
_SPACE = re.compile(r"[\t\n\f\r ]+")
GENERATE_COMMAND = "python -c 'import secrets; print(secrets.token_hex(32))'"


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
    """The HMAC key for an extract.

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
    """The first 8 bytes of ``HMAC-SHA256(key, prefix + ref)`` of each ref, joined."""
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


def pseudonym_codes(refs, key: bytes, prefix: str) -> np.ndarray:
    """:func:`pseudonyms` as a NumPy array of 16-byte ASCII strings (dtype ``S16``)."""
    texts = refs.tolist() if hasattr(refs, "tolist") else list(refs)
    data = _digests(texts, key, prefix).hex().encode("ascii")
    return np.frombuffer(data, dtype=f"S{HEX_DIGITS}")


def pseudonym_array(refs, key: bytes, prefix: str) -> pd.api.extensions.ExtensionArray:
    """:func:`pseudonyms` as a pandas ``string`` array."""
    codes = pseudonym_codes(refs, key, prefix)
    return pd.array(codes.astype(str), dtype=pd.StringDtype("pyarrow"))


def pseudonyms(refs: Iterable[str], key: bytes, prefix: str) -> list[str]:
    """``HMAC-SHA256(key, prefix + ref)`` of each already-normalised reference, 16 hex digits.

    >>> pseudonyms(["AS/1"], b"k" * 32, "Durham|")[0] == keyed_hash(b"k" * 32, "Durham|AS/1")
    True
    """
    data = _digests(refs, key, prefix).hex()
    return [data[i : i + HEX_DIGITS] for i in range(0, len(data), HEX_DIGITS)]


def keyed_hash(key: bytes, message: str) -> str:
    """One HMAC-SHA256 hash, 16 hex digits (the plain, slow form of :func:`pseudonyms`)."""
    import hmac

    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:HEX_DIGITS]


def crime_pseudonym(key: bytes, force: str, ref: str) -> str:
    """Crime (or victim) id of a reference in a force."""
    return keyed_hash(key, f"{force}|{normalise_ref(ref)}")


def suspect_pseudonym(key: bytes, ref: str) -> str:
    """Suspect id of a reference: the same in every force."""
    return keyed_hash(key, f"suspect|{normalise_ref(ref)}")
