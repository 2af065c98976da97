#!/usr/bin/env python
"""The benchmark's procurement data: N generated OCDS releases as JSON Lines and their timed import.

    DATABASE_URL=postgresql://… PORTAL_ENV=production … \\
        .venv/bin/python scripts/bench/ocds_import.py --releases 1000000 --out var/bench/ocds-import.json [--publish]

Writes the releases (procurement.demo: the four members, 2018 to last year, about 1.95 releases per
contracting process), then runs `manage.py import_ocds` on them in a child process and
measures its wall time and the peak memory of the whole process tree (the command and its
compiling workers, sampled from /proc twice a second). The import is the real one: streamed,
staged on disk, every release checked against the schema and merged, the store written with
COPY, the indicators computed, all in one transaction. The targets (issue 16): 1,000,000
releases in under 10 minutes with under 1 GB.

generate.py runs it with --publish (200,000 processes) to build the store the pages are
measured on; run.sh runs it on each run's copy of the database (a new draft version), which
is the measurement docs/performance.md reports.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu
from boot import ROOT, boot

OBSERVATORY = "public-procurement-observatory"
TIME_TARGET_S = 600
MEMORY_TARGET_MB = 1024


def tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and every process under it (kB)."""
    family = cpu.parents()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as handle:
                total += next((int(line.split()[1]) for line in handle if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError, IndexError):
            pass  # ended meanwhile
        todo.extend(child for child, parent in family.items() if parent == pid)
    return total


def timed_import(path: Path, *, publish: bool) -> dict:
    from portal.management.commands.seed_demo import DEMO_USERS

    command = [
        sys.executable, "manage.py", "import_ocds", str(path), "--observatory", OBSERVATORY, "--demo",
        "--no-carry-over", "--source", "scripts/bench/ocds_import.py (demo data, not official statistics)",
    ]  # fmt: skip
    if publish:
        command += ["--publish", "--user", DEMO_USERS[0][0]]
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample():
        while child.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(child.pid))
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    seconds = time.monotonic() - started
    sampler.join()
    return {
        "seconds": round(seconds, 1),
        "peak_tree_rss_mb": round(peak[0] / 1024, 1),
        "exit_code": child.returncode,
        "stdout": stdout.strip().splitlines()[:3],
        "stderr_tail": stderr.strip().splitlines()[-5:],
    }


def run(releases: int, *, publish: bool, seed: int = 2027) -> dict:
    from procurement import demo
    from procurement.management.commands.seed_procurement import ensure_demo_rates

    ensure_demo_rates()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench-releases.jsonl"
        started = time.monotonic()
        processes = int(releases / demo.RELEASES_PER_PROCESS) + 1
        written = demo.write_json_lines(path, processes, seed=seed, limit=releases)
        result = {
            "releases": written,
            "jsonl_mb": round(path.stat().st_size / 1024 / 1024, 1),
            "jsonl_write_s": round(time.monotonic() - started, 1),
            "published": publish,
            "cores": os.cpu_count(),
            **timed_import(path, publish=publish),
        }
    result["ok"] = (
        result["exit_code"] == 0 and result["seconds"] < TIME_TARGET_S and result["peak_tree_rss_mb"] < MEMORY_TARGET_MB
    )
    result["targets"] = {"seconds": TIME_TARGET_S, "peak_tree_rss_mb": MEMORY_TARGET_MB}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=1_000_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies --releases (BENCH_SCALE)")
    parser.add_argument("--out", type=Path, help="write the measurement here (JSON)")
    parser.add_argument("--publish", action="store_true", help="publish the version (the pages' store)")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    boot()
    result = run(max(int(args.releases * args.scale), 1000), publish=args.publish, seed=args.seed)
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    if result["exit_code"] != 0:
        sys.exit(f"the import failed: {result['stderr_tail']}")


if __name__ == "__main__":
    main()
