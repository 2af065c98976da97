#!/usr/bin/env python
"""The benchmark's indicator data: a template CSV of N observations and its timed import.

    DATABASE_URL=postgresql://… PORTAL_ENV=production … \\
        .venv/bin/python scripts/bench/indicators.py --rows 1000000 --out var/bench/import.json [--publish]

Writes the CSV (streamed: three monthly indicators of the labour observatory, 2000-01 to
2025-12, for as many countries as the row count needs, by sex, age group and education
level), then runs `manage.py import_indicators` on it in a child process and measures its
wall time and peak memory (the child's maximum resident set, from wait4). The import is the
real one: every row checked, bulk_create in batches, one transaction, the summaries of the
pages computed at the end. The targets (issue 15): under 5 minutes and under 1 GB.

generate.py runs it with --publish to build the dataset the pages are measured on; run.sh
runs it again on each run's copy of the database (a new draft version of the same dataset),
which is the measurement that docs/performance.md reports.
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from boot import ROOT, boot

OBSERVATORY = "regional-labor-observatory"
DATASET = "bench-labour-monthly"
INDICATORS = [
    ("BENCH_UNE_M", "bench-unemployment-rate-monthly", "Unemployment rate, monthly (benchmark)", 6.0),
    ("BENCH_EMP_M", "bench-employment-rate-monthly", "Employment rate, monthly (benchmark)", 58.0),
    ("BENCH_INF_M", "bench-informality-rate-monthly", "Informal employment share, monthly (benchmark)", 55.0),
]
MONTHS = [f"{year}-{month:02d}" for year in range(2000, 2026) for month in range(1, 13)]
SEXES = ("_T", "F", "M")
AGES = ("_T", "Y15-24", "Y25-54", "Y55-64")
EDUCATION = ("_T", "ISCED11_5T8")
TIME_TARGET_S = 300
MEMORY_TARGET_MB = 1024


def countries_for(rows: int) -> list[str]:
    from iso3166 import countries_by_alpha2

    per_country = len(INDICATORS) * len(MONTHS) * len(SEXES) * len(AGES) * len(EDUCATION)
    needed = math.ceil(rows / per_country)
    members = ["CL", "CO", "MX", "PE"]
    others = [code for code in sorted(countries_by_alpha2) if code not in members]
    return (members + others)[:needed]


def write_csv(path: Path, rows: int, seed: int = 2026) -> int:
    """The template CSV, streamed to ``path``; returns the number of observations written."""
    import random

    rng = random.Random(seed)
    written = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["indicator", "country", "period", "value", "sex", "age", "education", "status", "unit"])
        for country_index, country in enumerate(countries_for(rows)):
            for code, _slug, _name, level in INDICATORS:
                base = level * (0.7 + 0.6 * rng.random())
                for m, month in enumerate(MONTHS):
                    trend = base + 0.8 * math.sin(m / 40 + country_index) + (3.0 if month[:4] == "2020" else 0.0)
                    for s, sex in enumerate(SEXES):
                        for a, age in enumerate(AGES):
                            for e, education in enumerate(EDUCATION):
                                value = trend + s * 0.7 + a * 0.9 - e * 1.1 + rng.gauss(0, 0.2)
                                flag = "P" if month >= "2025-10" else ""
                                writer.writerow([code, country, month, f"{value:.2f}", sex, age, education, flag, "PT"])
                                written += 1
    return written


def ensure_indicators() -> None:
    from observatory.models import Indicator, Observatory

    observatory = Observatory.objects.get(slug=OBSERVATORY)
    for position, (code, slug, name, _level) in enumerate(INDICATORS, start=10):
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "observatory": observatory, "slug": slug, "name_en": name, "name_es": name,
                "definition_en": "Generated for the benchmark: demo data, not official statistics.",
                "unit_en": "% (benchmark)", "unit_symbol": "%", "frequency": "M", "decimals": 1,
                "source_en": "Benchmark generator (demo data, not official statistics)", "licence_en": "CC BY 4.0",
                "position": position,
            },
        )  # fmt: skip


def timed_import(path: Path, *, publish: bool) -> dict:
    """``manage.py import_indicators`` in a child process: wall seconds and peak memory."""
    from portal.management.commands.seed_demo import DEMO_USERS

    command = [
        sys.executable, "manage.py", "import_indicators", str(path), "--observatory", OBSERVATORY,
        "--dataset", DATASET, "--title", "Monthly labour series (benchmark)", "--demo",
        "--source", "scripts/bench/indicators.py (demo data, not official statistics)", "--verbosity", "1",
    ]  # fmt: skip
    if publish:
        command += ["--publish", "--user", DEMO_USERS[0][0]]
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    stdout, stderr = child.stdout.read(), child.stderr.read()
    exit_code = os.waitstatus_to_exitcode(status)
    child.returncode = exit_code
    return {
        "seconds": round(seconds, 1),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # kilobytes on Linux
        "exit_code": exit_code,
        "stdout": stdout.strip().splitlines()[-3:],
        "stderr_tail": stderr.strip().splitlines()[-5:],
    }


def run(rows: int, *, publish: bool, seed: int = 2027) -> dict:
    """Write the CSV, import it (timed) and say whether the targets are met."""
    ensure_indicators()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench-observations.csv"
        started = time.monotonic()
        written = write_csv(path, rows, seed=2026 if publish else seed)
        csv_seconds = time.monotonic() - started
        result = {
            "rows": written,
            "csv_mb": round(path.stat().st_size / 1024 / 1024, 1),
            "csv_write_s": round(csv_seconds, 1),
            "published": publish,
            **timed_import(path, publish=publish),
        }
    result["ok"] = (
        result["exit_code"] == 0 and result["seconds"] < TIME_TARGET_S and result["max_rss_mb"] < MEMORY_TARGET_MB
    )
    result["targets"] = {"seconds": TIME_TARGET_S, "max_rss_mb": MEMORY_TARGET_MB}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies --rows (BENCH_SCALE)")
    parser.add_argument("--out", type=Path, help="write the measurement here (JSON)")
    parser.add_argument("--publish", action="store_true", help="publish the version (the pages' dataset)")
    parser.add_argument(
        "--seed",
        type=int,
        default=2027,
        help="another seed than the published version's (2026): every value changes, so the comparison with it "
        "does its full work",
    )
    args = parser.parse_args()
    boot()
    result = run(max(int(args.rows * args.scale), 1000), publish=args.publish, seed=args.seed)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    if result["exit_code"] != 0:
        sys.exit(f"the import failed: {result['stderr_tail']}")


if __name__ == "__main__":
    main()
