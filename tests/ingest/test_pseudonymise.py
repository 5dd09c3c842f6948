"""Pseudonyms: both schemes exact (HMAC-SHA256 v1, SipHash-2-4 v2), the scheme from the settings,
keys from the environment or a file, links across forces."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from soteria_research import paths
from soteria_research.errors import ConfigError, PseudonymKeyError
from soteria_research.ingest import clean_force
from soteria_research.ingest.pseudonymise import (
    HMAC_V1,
    SIPHASH_V2,
    SYNTHETIC_DEMO_KEY,
    crime_pseudonym,
    keyed_hash,
    pseudonym_array,
    pseudonym_codes,
    pseudonyms,
    resolve_key,
    scheme,
    suspect_pseudonym,
)

from .support import MAPPING, make_force, row
from .test_siphash import siphash24_reference


@pytest.mark.parametrize("key", [b"k", b"a-key-of-thirty-two-bytes-long!!", b"x" * 64, b"y" * 100])
def test_matches_the_standard_library_hmac(key: bytes) -> None:
    refs = ["AS/1", "DU/000001/23", "", "ÉLAN-7"]
    expected = [
        hmac.new(key, f"Durham|{r}".encode(), hashlib.sha256).hexdigest()[:16] for r in refs
    ]
    assert pseudonyms(refs, key, "Durham|", HMAC_V1) == expected
    assert pseudonym_array(refs, key, "Durham|", HMAC_V1).tolist() == expected
    assert [keyed_hash(key, f"Durham|{r}", HMAC_V1) for r in refs] == expected


def test_ids_follow_the_contract() -> None:
    key = b"0123456789abcdef0123"
    plain = hmac.new(key, b"Durham|DU/1", hashlib.sha256).hexdigest()[:16]
    assert crime_pseudonym(key, "Durham", " du/1 ", HMAC_V1) == plain
    suspect = hmac.new(key, b"suspect|PNC01/23A", hashlib.sha256).hexdigest()[:16]
    assert suspect_pseudonym(key, "pnc 01/23a", HMAC_V1) == suspect
    assert crime_pseudonym(key, "Cleveland", "DU/1", HMAC_V1) != plain


def test_v1_ids_made_before_the_scheme_was_versioned_are_reproduced() -> None:
    # ids written by the cleaning code before pseudonymisation.scheme existed
    assert (
        crime_pseudonym(SYNTHETIC_DEMO_KEY, "Durham", "DU/1", HMAC_V1)
        == hmac.new(SYNTHETIC_DEMO_KEY, b"Durham|DU/1", hashlib.sha256).hexdigest()[:16]
    )


@pytest.mark.parametrize("key", [b"k", b"a-key-of-thirty-two-bytes-long!!", b"y" * 100])
def test_v2_is_siphash_keyed_with_a_key_derived_by_hmac(key: bytes) -> None:
    derived = hmac.new(key, b"soteria pseudonym siphash24-v2", hashlib.sha256).digest()[:16]
    refs = ["AS/1", "DU/000001/23", "", "ÉLAN-7", "A-REFERENCE-LONGER-THAN-THIRTY-TWO-BYTES"]
    for prefix in ("Durham|", "Avon and Somerset|", "suspect|"):
        expected = [siphash24_reference(derived, f"{prefix}{r}".encode()) for r in refs]
        assert pseudonyms(refs, key, prefix, SIPHASH_V2) == expected
        assert pseudonym_array(refs, key, prefix, SIPHASH_V2).tolist() == expected
        arrow = pd.array(refs, dtype="string")
        assert pseudonym_codes(arrow, key, prefix, SIPHASH_V2).astype(str).tolist() == expected
        assert (
            pseudonym_codes(np.array(refs, dtype=object), key, prefix, SIPHASH_V2)
            .astype(str)
            .tolist()
            == expected
        )
    assert crime_pseudonym(key, "Durham", " du/1 ", SIPHASH_V2) == siphash24_reference(
        derived, b"Durham|DU/1"
    )
    assert suspect_pseudonym(key, "pnc 01/23a", SIPHASH_V2) == siphash24_reference(
        derived, b"suspect|PNC01/23A"
    )
    assert pseudonyms(["DU/1"], key, "Durham|", SIPHASH_V2) != pseudonyms(
        ["DU/1"], key, "Durham|", HMAC_V1
    )


def _settings_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    config = tmp_path / "config"
    shutil.copytree(paths.config_dir(), config)
    text = (config / "settings.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  scheme: .*$", f"  {line}", text)
    (config / "settings.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("SOTERIA_CONFIG_DIR", str(config))


def test_the_scheme_comes_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = b"0123456789abcdef0123"
    assert scheme() == SIPHASH_V2
    assert keyed_hash(key, "Durham|DU/1") == keyed_hash(key, "Durham|DU/1", SIPHASH_V2)
    _settings_with(tmp_path, monkeypatch, "scheme: hmac-sha256-v1")
    assert scheme() == HMAC_V1
    assert crime_pseudonym(key, "Durham", "DU/1") == crime_pseudonym(key, "Durham", "DU/1", HMAC_V1)


def test_an_unknown_scheme_is_refused_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings_with(tmp_path, monkeypatch, "scheme: md5")
    with pytest.raises(ConfigError, match=r"pseudonymisation.scheme .* 'md5'.*siphash24-v2"):
        scheme()


def test_key_from_environment_then_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text("file-key-0123456789abcdef\n")
    monkeypatch.setenv("SOTERIA_KEY_FILE", str(key_file))
    assert resolve_key("real") == b"file-key-0123456789abcdef"
    monkeypatch.setenv("SOTERIA_PSEUDONYM_KEY", "env-key-0123456789abcdef")
    assert resolve_key("real") == b"env-key-0123456789abcdef"


def test_synthetic_data_falls_back_to_the_demo_key() -> None:
    assert resolve_key("synthetic") == SYNTHETIC_DEMO_KEY


def test_real_data_without_a_key_is_refused_with_how_to_set_one() -> None:
    with pytest.raises(PseudonymKeyError) as caught:
        resolve_key("real")
    message = str(caught.value)
    assert "export SOTERIA_PSEUDONYM_KEY=" in message
    assert "secrets.token_hex(32)" in message
    assert "absent.key" in message  # where a key file would be read from


def test_short_key_for_real_data_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOTERIA_PSEUDONYM_KEY", "short")
    with pytest.raises(PseudonymKeyError, match="shorter than 16"):
        resolve_key("real")


def test_clean_force_refuses_real_data_without_a_key(tmp_path: Path) -> None:
    folder = make_force(tmp_path / "raw", [row(1)], mapping=MAPPING.replace("synthetic", "real"))
    with pytest.raises(PseudonymKeyError):
        clean_force(folder, tmp_path / "processed")
    assert not (tmp_path / "processed").exists()


def test_repeat_suspect_links_across_forces_and_no_reference_survives(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shared = "PNC 2001/0123456A"
    durham = [row(1, Suspect=shared), row(2, Suspect="DU-S-2"), row(3, Suspect=shared)]
    cleveland_map = MAPPING.replace("force: Durham", "force: Cleveland")
    cleveland = [row(1, Suspect=shared.lower()), row(9, Suspect="CL-S-9")]
    make_force(raw, durham)
    make_force(raw, cleveland, folder="cleveland", mapping=cleveland_map)
    out = tmp_path / "processed"
    clean_force(raw / "durham", out)
    clean_force(raw / "cleveland", out)
    for folder in ("durham", "cleveland"):
        record = json.loads((out / folder / "provenance.json").read_text())
        assert record["pseudonym_scheme"] == SIPHASH_V2
    durham_cases = pq.read_table(out / "durham" / "cases.parquet").to_pandas()
    cleveland_cases = pq.read_table(out / "cleveland" / "cases.parquet").to_pandas()
    linked = set(durham_cases["suspect_id"]) & set(cleveland_cases["suspect_id"])
    assert len(linked) == 1
    assert (durham_cases["suspect_id"] == linked.pop()).sum() == 2
    # the same crime reference in two forces is two crimes
    assert not set(durham_cases["crime_id"]) & set(cleveland_cases["crime_id"])
    references = {r[k] for r in durham + cleveland for k in ("Ref", "Victim", "Suspect")}
    references |= {"".join(r.split()).upper() for r in references}
    for folder in (out / "durham", out / "cleveland"):
        for path in folder.glob("*.parquet"):
            data = path.read_bytes()
            text = pq.read_table(path).to_pandas().astype(str).to_csv()
            for reference in references:
                assert reference not in text, (path.name, reference)
                assert reference.encode() not in data, (path.name, reference)
