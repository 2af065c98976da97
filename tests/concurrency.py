"""Many callers at the same moment, for the race tests (PostgreSQL's row locks): each call runs in
its own thread, all released together by a barrier, each thread closing its database connection."""

import threading

from django.db import connections


def at_once(calls, *, timeout: float = 120) -> tuple[list, list[str]]:
    """Run every callable of ``calls`` from its own thread, released at once; wait for all of them.
    Returns what they returned (in the order they finished) and the errors they raised (``repr``)."""
    calls = list(calls)
    start = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            start.wait(timeout=30)
            results.append(call())
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    hung = [thread for thread in threads if thread.is_alive()]
    if hung:
        errors.append(f"{len(hung)} of {len(threads)} threads still running after {timeout} s")
    return results, errors
