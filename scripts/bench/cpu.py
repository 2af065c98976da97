"""CPU time (user + system, in seconds) of the parts of an email run, to say what limits its rate.

On the 2-core machine the task workers, PostgreSQL and the SMTP sink (in the benchmark's own
process) share the cores; their CPU per email says which of them a faster run must make cheaper.
Read from /proc (Linux): a process's own time and, for the database server, the time of its
backends, the ended ones included (the postmaster's ``cutime``/``cstime``: it reaps them).
"""

import os
import resource
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def stat_fields(pid: int) -> list[str]:
    """``/proc/<pid>/stat`` from field 3 (the state) on: [1] is the parent's pid, [11:15] the times.
    The command name (field 2) may hold spaces: split after its closing parenthesis."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def parents() -> dict[int, int]:
    """Every process's parent (pid → parent pid); a process that ends while read is left out."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = int(stat_fields(int(entry.name))[1])
            except (OSError, ValueError, IndexError):
                continue
    return found


def _cpu(pid: int, *, ended_children: bool) -> float:
    utime, stime, cutime, cstime = (int(value) for value in stat_fields(pid)[11:15])
    return (utime + stime + ((cutime + cstime) if ended_children else 0)) / TICKS


def process_cpu(pid: int) -> float:
    """A live process's own CPU time (a resident worker's, read while it runs)."""
    return _cpu(pid, ended_children=False)


def _rusage(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def own() -> float:
    """This process, every thread (the sink's event loop runs in one of them)."""
    return _rusage(resource.RUSAGE_SELF)


def children() -> float:
    """The ended child processes of this one (the workers, once they have exited)."""
    return _rusage(resource.RUSAGE_CHILDREN)


def database() -> float | None:
    """The PostgreSQL server's processes, alive and ended, or None when it cannot be read (not
    PostgreSQL, another machine, no /proc)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW data_directory")
            (directory,) = cursor.fetchone()
        postmaster = int(Path(directory, "postmaster.pid").read_text().split()[0])
        backends = [pid for pid, parent in parents().items() if parent == postmaster]
        return _cpu(postmaster, ended_children=True) + sum(_cpu(pid, ended_children=False) for pid in backends)
    except (OSError, ValueError, IndexError):  # a backend that ended meanwhile, or no /proc
        return None


class Meter:
    """CPU of the workers, the sink (this process) and the database between start() and stop()."""

    def start(self) -> None:
        self.started = (children(), own(), database())

    def stop(self, emails: int) -> dict:
        workers, sink, db = children(), own(), database()
        workers0, sink0, db0 = self.started
        spent = {"workers": workers - workers0, "sink": sink - sink0}
        if db is not None and db0 is not None:
            spent["database"] = db - db0
        report = {f"{part}_cpu_s": round(seconds, 1) for part, seconds in spent.items()}
        if emails:
            report.update(
                {f"{part}_cpu_ms_per_email": round(seconds * 1000 / emails, 2) for part, seconds in spent.items()}
            )
        return report


def summary(spent: dict) -> str:
    """A Meter's report in a few words: "workers 3.1, sink 1.2, database 0.9" (ms per email)."""
    suffix = "_cpu_ms_per_email"
    return ", ".join(f"{key.removesuffix(suffix)} {value}" for key, value in spent.items() if key.endswith(suffix))
