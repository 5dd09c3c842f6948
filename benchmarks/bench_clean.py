"""Benchmark: read + clean + validate one million case rows, against a bare pyarrow read.

Builds (or takes, with ``--csv``) a realistic extract: 22 columns in a records-system
layout, day-first dates with some Excel day numbers, outcome labels in several forms,
spreadsheet error strings, duplicates, unknown codes and date anomalies. In one run it
times, side by side and alternately:

* ``pandas.read_csv(path, engine="pyarrow")``, the floor;
* the full ingest: ``read_extract`` + ``clean_cases`` + schema validation of cases,
  quarantine and duplicates;

and prints the best of ``--repeat`` runs of each, their ratio, where the ingest time goes,
and the peak memory (resident set) of each measured in a fresh process. The goal is a
ratio of at most 3 and under 3 GB. Beside the wall-clock times it prints the CPU seconds
of each (user + system, every thread of the process): on a machine other jobs share, the
wall-clock ratio follows their load, the CPU ratio much less.

    .venv/bin/python benchmarks/bench_clean.py [--rows 1000000] [--repeat 3] [--csv FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

MAPPING = """\
layout: benchmark_rms
force: Avon and Somerset
data_source: synthetic
extraction_date: 2024-06-30
files:
  - path: {name}
columns:
  crime_ref: Crime Reference
  offence: HO Offence Code
  committed_date: Date Committed
  reported_date: Date Reported
  recorded_date: Date Recorded
  victim_ref: Victim URN
  victim_sex: Victim Gender
  victim_age: Victim Age
  victim_ethnicity: Victim Ethnicity
  suspect_ref: Suspect URN
  relationship: Relationship
  arrested: Arrested/Interviewed
  arrest_date: Arrest Date
  referred_to_cps: CPS Referral
  cps_referral_date: CPS Referral Date
  outcome: Outcome
  outcome_date: Outcome Date
  victim_withdrawal_date: Victim Withdrawal Date
  isva_referred: ISVA Referral
  device_seized_date: Device Seized
  device_returned_date: Device Returned
dates:
  formats: ["%d/%m/%Y", excel_serial]
codes:
  outcome: {{NFA - victim withdrew: 16}}
"""
OUTCOMES = (
    [
        "16",
        "OC14",
        "Outcome 15",
        "18",
        "0",
        "1",
        "1A",
        "OC16",
        "20",
        "Pending",
        "Named Suspect Identified: Evidential Difficulties - Victim Does Not Support Police Action",
        "NFA - victim withdrew",
        "OC99",
        "#VALUE!",
    ],
    [0.2, 0.12, 0.2, 0.08, 0.12, 0.025, 0.005, 0.1, 0.02, 0.05, 0.05, 0.017, 0.001, 0.002],
)
OFFENCES = (
    [
        "19C",
        "19D",
        "19E",
        "19F",
        "19G",
        "19H",
        "20A",
        "22A",
        "19Z",
        "Rape of a female aged 16 and over",
    ],
    [0.5, 0.1, 0.08, 0.03, 0.01, 0.03, 0.15, 0.05, 0.001, 0.049],
)


def _dates(rng: np.random.Generator, base: np.ndarray, shift: tuple[int, int], blank: float):
    days = base + rng.integers(*shift, len(base)).astype("timedelta64[D]")
    text = pd.Series(days).dt.strftime("%d/%m/%Y").to_numpy(dtype=object)
    serial = (days - np.datetime64("1899-12-30")).astype(int).astype(str).astype(object)
    text = np.where(rng.random(len(base)) < 0.003, serial, text)
    text = np.where(rng.random(len(base)) < 0.002, "#VALUE!", text)
    return np.where(rng.random(len(base)) < blank, "", text)


def _choice(rng: np.random.Generator, values, weights, n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(np.asarray(values, dtype=object), n, p=p / p.sum())


def build_csv(path: Path, rows: int, seed: int = 20170401) -> None:
    """Write a realistic extract of about ``rows`` rows (0.4% exact duplicates)."""
    rng = np.random.default_rng(seed)
    n = int(rows / 1.004)
    recorded = np.datetime64("2021-04-01") + rng.integers(0, 1095, n).astype("timedelta64[D]")
    suspects = rng.integers(0, int(n * 0.6), n)
    data = {
        "Crime Reference": np.char.add("AS/", np.char.zfill(np.arange(n).astype(str), 8)),
        "HO Offence Code": _choice(rng, *OFFENCES, n),
        "Date Committed": _dates(rng, recorded, (-400, 1), 0.05),
        "Date Reported": _dates(rng, recorded, (-3, 1), 0.01),
        "Date Recorded": _dates(rng, recorded, (0, 1), 0.0),
        "Victim URN": np.char.add("V", np.char.zfill(rng.integers(0, n * 4, n).astype(str), 9)),
        "Victim Gender": _choice(
            rng, ["F", "M", "Female", "NULL", "", "U"], [0.8, 0.1, 0.05, 0.02, 0.02, 0.01], n
        ),
        "Victim Age": np.where(rng.random(n) < 0.03, "", rng.integers(5, 90, n).astype(str)),
        "Victim Ethnicity": _choice(
            rng,
            ["IC1", "IC2", "IC3", "IC4", "IC5", "IC6", "", "#N/A"],
            [0.7, 0.03, 0.08, 0.09, 0.02, 0.02, 0.05, 0.01],
            n,
        ),
        "Suspect URN": np.where(
            rng.random(n) < 0.25, "", np.char.add("S", np.char.zfill(suspects.astype(str), 8))
        ),
        "Relationship": _choice(
            rng,
            [
                "Stranger",
                "Acquaintance",
                "Ex partner",
                "Spouse/partner",
                "Family",
                "Carer",
                "Victim refuses to identify",
                "",
            ],
            [0.15, 0.3, 0.2, 0.1, 0.15, 0.02, 0.05, 0.03],
            n,
        ),
        "Arrested/Interviewed": _choice(rng, ["Y", "N"], [0.6, 0.4], n),
        "Arrest Date": _dates(rng, recorded, (0, 60), 0.4),
        "CPS Referral": _choice(rng, ["Y", "N"], [0.1, 0.9], n),
        "CPS Referral Date": _dates(rng, recorded, (30, 300), 0.9),
        "Outcome": _choice(rng, *OUTCOMES, n),
        "Outcome Date": _dates(rng, recorded, (-5, 500), 0.15),
        "Victim Withdrawal Date": _dates(rng, recorded, (0, 200), 0.7),
        "ISVA Referral": _choice(rng, ["Y", "N", ""], [0.6, 0.35, 0.05], n),
        "Device Seized": _dates(rng, recorded, (0, 30), 0.6),
        "Device Returned": _dates(rng, recorded, (20, 200), 0.7),
        "Station": _choice(rng, ["Bristol", "Bath", "Taunton", "Yeovil"], [1, 1, 1, 1], n),
    }
    frame = pd.DataFrame({k: pd.array(v.astype(str), dtype="string") for k, v in data.items()})
    extra = rng.choice(n, rows - n, replace=False)
    frame = pd.concat([frame, frame.iloc[extra]], ignore_index=True)
    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path)


def _cpu() -> float:
    """CPU seconds of this process so far (user + system, all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _read(path: Path) -> int:
    return len(pd.read_csv(path, engine="pyarrow"))


def _ingest(path: Path, parts: dict | None = None) -> int:
    from soteria_research.ingest import schemas
    from soteria_research.ingest.clean import clean_cases
    from soteria_research.ingest.mapping import load_mapping
    from soteria_research.ingest.pseudonymise import SYNTHETIC_DEMO_KEY
    from soteria_research.ingest.readers import read_extract

    start = time.perf_counter()
    mapping = load_mapping(path.parent / "mapping.yaml")
    raw = read_extract(mapping)
    read = time.perf_counter()
    result = clean_cases(raw, mapping, SYNTHETIC_DEMO_KEY)
    cleaned = time.perf_counter()
    schemas.validate(result.cases, schemas.CasesSchema, "cases")
    schemas.validate(result.quarantine, schemas.QuarantineSchema, "quarantine")
    schemas.validate(result.duplicates, schemas.DuplicatesSchema, "duplicates")
    done = time.perf_counter()
    assert result.rows == len(raw)
    if parts is not None:
        parts.update(read=read - start, clean=cleaned - read, validate=done - cleaned)
        parts.update(
            rows=len(raw),
            clean_rows=len(result.cases),
            quarantined=len(result.quarantine),
            duplicates=len(result.duplicates),
        )
    return len(raw)


def _hashing(path: Path) -> tuple[float, int, str]:
    """Time of the pseudonyms alone, on the distinct references of the file, and the scheme."""
    import pyarrow.compute as pc

    from soteria_research.ingest.pseudonymise import SYNTHETIC_DEMO_KEY, pseudonym_codes, scheme

    columns = ["Crime Reference", "Victim URN", "Suspect URN"]
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            include_columns=columns, column_types=dict.fromkeys(columns, pa.string())
        ),
    )
    refs = [pc.unique(table.column(c).combine_chunks()) for c in columns]
    refs = [r.filter(pc.not_equal(r, "")) for r in refs]
    start = time.perf_counter()
    for values in refs:
        pseudonym_codes(values, SYNTHETIC_DEMO_KEY, "Avon and Somerset|")
    return time.perf_counter() - start, sum(len(r) for r in refs), scheme()


def _peak_in_child(stage: str, path: Path) -> float:
    """Peak resident memory (GB) of a fresh process running one stage."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", stage, "--csv", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_gb"]


def _child(stage: str, path: Path) -> None:
    (_read if stage == "read" else _ingest)(path)
    # VmHWM starts afresh at exec; ru_maxrss may carry the size of the parent that forked us
    status = Path("/proc/self/status")
    if status.is_file():
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        peak_kb = int(line.split()[1])
    else:  # not Linux: ru_maxrss is in bytes on macOS, KB elsewhere
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_kb /= 1024 if sys.platform == "darwin" else 1
    print(json.dumps({"peak_gb": peak_kb / 1024**2}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", type=Path, help="an existing extract (with mapping.yaml beside)")
    parser.add_argument("--child", choices=["read", "ingest"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.csv)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.csv
        if path is None:
            path = Path(tmp) / "avon-and-somerset" / "extract.csv"
            path.parent.mkdir()
            start = time.perf_counter()
            build_csv(path, args.rows)
            print(
                f"built {path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows "
                f"in {time.perf_counter() - start:.1f} s"
            )
        if not (path.parent / "mapping.yaml").is_file():
            (path.parent / "mapping.yaml").write_text(MAPPING.format(name=path.name))
        _read(path)  # warm the file cache and imports
        reads, ingests, parts, read_cpu, ingest_cpu = [], [], {}, [], []
        for _ in range(args.repeat):
            start, cpu = time.perf_counter(), _cpu()
            _read(path)
            reads.append(time.perf_counter() - start)
            read_cpu.append(_cpu() - cpu)
            start, cpu = time.perf_counter(), _cpu()
            run: dict = {}
            _ingest(path, run)
            ingests.append(time.perf_counter() - start)
            ingest_cpu.append(_cpu() - cpu)
            if not parts or ingests[-1] == min(ingests):
                parts = run
        hashing, distinct, scheme = _hashing(path)
        read_peak = _peak_in_child("read", path)
        ingest_peak = _peak_in_child("ingest", path)
    best_read, best_ingest = min(reads), min(ingests)
    print(
        f"rows: {parts['rows']:,} ({parts['clean_rows']:,} clean, {parts['quarantined']:,} "
        f"quarantined, {parts['duplicates']:,} duplicates)"
    )
    print(f"pandas.read_csv(engine='pyarrow'): {best_read:6.2f} s   peak {read_peak:.2f} GB")
    print(f"read + clean + validate:           {best_ingest:6.2f} s   peak {ingest_peak:.2f} GB")
    print(
        f"  read_extract {parts['read']:.2f} s, clean_cases {parts['clean']:.2f} s, "
        f"validate {parts['validate']:.2f} s"
    )
    print(f"  pseudonyms ({scheme}) of {distinct:,} distinct references alone: {hashing:.2f} s")
    print(
        f"CPU seconds (best of {args.repeat}): read {min(read_cpu):.2f}, read + clean + "
        f"validate {min(ingest_cpu):.2f}: {min(ingest_cpu) / min(read_cpu):.1f}x"
    )
    ratio = best_ingest / best_read
    print(
        f"ratio: {ratio:.1f}x (goal <= 3x); without the pseudonyms "
        f"{(best_ingest - hashing) / best_read:.1f}x; peak memory goal < 3 GB"
    )


if __name__ == "__main__":
    main()
