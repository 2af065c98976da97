"""Every migration, timed: on an empty database and on a copy of the benchmark's large dataset.

Part of the rehearsal with --migrations (REHEARSAL_MIGRATIONS=1). In a PostgreSQL cluster of its
own: the dataset is built as `make bench` builds it (migrate, seed_demo, scripts/bench/generate.py,
a few minutes), or copied from the benchmark's kept cluster when it is there and current. Then
the project's apps are migrated back to their initial migrations (the tables the dataset fills
stay, with their rows) and forward again with `migrate -v 2`, which times each migration; the
initial ones, and the libraries' migrations, are timed on an empty database. Each migration's
operations are classed by what they do to code that still runs the previous release (README,
"Upgrades"). The report goes to var/rehearsal/migrations.md and .json.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from django.db.models import NOT_PROVIDED
from topology import ROOT, Topology

APPS = ["accounts", "portal", "observatory", "events"]
# "  Applying app.name... OK (0.123s)", with whatever the migration printed before the OK.
TIMED = re.compile(r"(Applying|Unapplying) (\w+)\.(\w+)\.\.\..*? OK \((\d+\.\d+)s\)", re.DOTALL)

# What an operation means for the previous release's code, still running while it applies.
SAFE = {
    "CreateModel", "AddIndex", "AddIndexConcurrently", "RemoveIndex", "RenameIndex", "AlterModelOptions",
    "AlterModelManagers",
}  # fmt: skip
NEEDS_A_DEFAULT = {"AddField"}  # safe when nullable or with a database default, else old INSERTs fail
BREAKS_OLD_CODE = {"RemoveField", "DeleteModel", "RenameField", "RenameModel"}
REVIEW = {"AlterField", "RunPython", "RunSQL", "AlterUniqueTogether", "RemoveConstraint", "SeparateDatabaseAndState"}


def classify(operation) -> str:
    name = type(operation).__name__
    if name in NEEDS_A_DEFAULT:
        field = operation.field
        tolerated = field.null or field.many_to_many or field.db_default is not NOT_PROVIDED
        return "safe" if tolerated else "expand first"
    if name in SAFE:
        return "safe"
    if name in BREAKS_OLD_CODE:
        return "after the old code is gone"
    return "review"


def operations_by_migration() -> dict[str, list[tuple[str, str]]]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {
        f"{app}.{name}": [(type(op).__name__, classify(op)) for op in migration.operations]
        for (app, name), migration in loader.disk_migrations.items()
    }


def _manage(env: dict, *args: str, log: Path) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600
    )
    with log.open("a") as stream:
        stream.write(f"$ manage.py {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {result.stderr[-500:]}")
    return result.stdout


def rehearse(folder: Path, *, log, scale: float = 1.0) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    top = Topology(folder)
    manage_log = top.logs / "migrations.log"
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "PORTAL_ENV": "production",
        "SECRET_KEY": top.secret_key,
        "ALLOWED_HOSTS": "localhost",
        "EMAIL_BACKEND": "console",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(folder / "var"),
        "MEDIA_ROOT": str(folder / "var" / "media"),
        "OBSERVATORY_FILES_ROOT": str(folder / "var" / "publication-files"),
    }
    try:
        top.start_postgresql(fast=True)  # loading only: no durability needed until the timed run
        log("migrations: every migration on an empty database")
        top.psql("CREATE DATABASE empty")
        empty = dict(_parse(_manage({**env, "DATABASE_URL": top.database_url("empty")}, "migrate", "-v", "2",
                                    log=manage_log)))  # fmt: skip
        log(f"migrations: building the benchmark's dataset (scale {scale}; a few minutes)")
        top.psql("CREATE DATABASE dataset")
        dataset_env = {**env, "DATABASE_URL": top.database_url("dataset")}
        started = time.monotonic()
        _manage(dataset_env, "migrate", "--no-input", log=manage_log)
        _manage(dataset_env, "seed_demo", "--force", log=manage_log)
        subprocess.run(
            [sys.executable, "scripts/bench/generate.py", "--scale", str(scale), "--report",
             str(folder / "dataset.json")],
            cwd=ROOT, env=dataset_env, check=True, stdout=subprocess.DEVNULL, timeout=3600,
        )  # fmt: skip
        built_s = time.monotonic() - started
        top.psql("CHECKPOINT")
        top.restart_postgresql(fast=False)  # durable again, as production
        size = top.psql("SELECT pg_size_pretty(pg_database_size('dataset'))")
        rows = json.loads((folder / "dataset.json").read_text())
        log(f"migrations: dataset built in {built_s:.0f} s ({size}); back to each app's initial migration")
        backward = []
        for app in APPS:
            backward += _parse(_manage(dataset_env, "migrate", app, "0001", "-v", "2", log=manage_log))
        log("migrations: forward again, each one timed")
        forward = _parse(_manage(dataset_env, "migrate", "-v", "2", log=manage_log))
    finally:
        top.stop_all()
    operations = operations_by_migration()
    report = {
        "dataset": {"build_seconds": round(built_s), "size": size, "counts": rows.get("counts", rows)},
        "migrations": [
            {
                "migration": name,
                "empty_s": empty.get(name),
                "large_s": seconds,
                "operations": operations.get(name, []),
            }
            for name, seconds in forward
        ],
        "initial": [
            {"migration": name, "empty_s": seconds, "operations": operations.get(name, [])}
            for name, seconds in empty.items()
            if name not in dict(forward)
        ],
        "backward_s": round(sum(seconds for _name, seconds in backward), 2),
    }
    _write(report)
    slowest = max(report["migrations"], key=lambda m: m["large_s"], default=None)
    total = sum(m["large_s"] for m in report["migrations"])
    return {
        "ok": bool(report["migrations"]),
        "detail": f"{len(report['migrations'])} migrations on the dataset ({size}): {total:.1f} s in all, the "
        f"slowest {slowest['migration']} {slowest['large_s']:.1f} s; {len(empty)} on an empty database "
        f"{sum(empty.values()):.1f} s (var/rehearsal/migrations.md)"
        if slowest
        else "no migration ran on the dataset",
        "data": report,
    }


def _parse(output: str) -> list[tuple[str, float]]:
    return [(f"{app}.{name}", float(seconds)) for _verb, app, name, seconds in TIMED.findall(output)]


def _write(report: dict) -> None:
    out = ROOT / "var" / "rehearsal"
    out.mkdir(parents=True, exist_ok=True)
    (out / "migrations.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"Dataset: {report['dataset']['size']}, built in {report['dataset']['build_seconds']} s. "
        f"Going back to each app's initial migration took {report['backward_s']} s.",
        "",
        "| Migration | On the large dataset | On an empty database | Operations (for the old code still running) |",
        "| --- | ---: | ---: | --- |",
    ]
    for row in report["migrations"]:
        counted = {}
        for name, verdict in row["operations"]:
            counted[(name, verdict)] = counted.get((name, verdict), 0) + 1
        ops = ", ".join(f"{name}{f' ×{n}' if n > 1 else ''} ({verdict})" for (name, verdict), n in counted.items())
        empty = f"{row['empty_s']:.3f} s" if row["empty_s"] is not None else "–"
        lines.append(f"| {row['migration']} | {row['large_s']:.3f} s | {empty} | {ops} |")
    lines += ["", "Initial migrations and the libraries' (on an empty database):", ""]
    lines.append(", ".join(f"{row['migration']} {row['empty_s']:.3f} s" for row in report["initial"]))
    (out / "migrations.md").write_text("\n".join(lines) + "\n")
