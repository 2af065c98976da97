"""Readiness: /readyz says whether this app node can serve, for monitoring and load balancers.

/healthz stays a liveness probe (the process answers; nothing else is touched). /readyz runs
django-health-check's checks of what a request needs, concurrently, each within its time
budget: the database, the shared cache, the media storage (a file written, read and deleted),
and the task queue (the oldest task that should have run has not waited longer than
READYZ_TASK_BACKLOG_MAX_AGE: else no worker is working the queue). It answers JSON, 200 when
every check passes and 503 naming the ones that failed, never cached.
"""

import asyncio
import dataclasses
import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Case, F, Min, When
from django.db.models.functions import Greatest
from django.http import JsonResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from health_check import Cache, Database, HealthCheck, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class TaskBacklog(HealthCheck):
    """The oldest task that is ready to run has waited at most ``max_age``."""

    max_age: datetime.timedelta = dataclasses.field(
        default_factory=lambda: datetime.timedelta(seconds=settings.READYZ_TASK_BACKLOG_MAX_AGE)
    )

    async def run(self):
        # In the request's own thread (and on its connection), not in a pool thread of its own.
        try:
            oldest = await sync_to_async(self._oldest_due, thread_sensitive=True)()
        except DatabaseError as error:
            raise ServiceUnavailable("the task queue cannot be read") from error
        if oldest is None:
            return
        waited = timezone.now() - oldest
        if waited > self.max_age:
            raise ServiceUnavailable(
                f"the oldest ready task has waited {waited.total_seconds():.0f} s "
                f"(more than {self.max_age.total_seconds():.0f} s): is a worker running?"
            )

    @staticmethod
    def _oldest_due():
        # Waiting since it was enqueued, or since its run_after time when that came later.
        due = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=Greatest("run_after", "enqueued_at"))
        return DBTaskResult.objects.ready().aggregate(oldest=Min(due))["oldest"]


# Each check's name in the answer.
NAMES = {Database: "database", Cache: "cache", Storage: "media_storage", TaskBacklog: "task_backlog"}


class ReadinessView(HealthCheckView):
    """JSON only: ``{"status": "ok"|"unavailable", "checks": {name: {"ok", "seconds", "error"?}}}``.
    The parent's dispatch marks the answer never-cacheable. The checks are registered the
    library's way, so ``manage.py health_check readyz --no-http`` runs the same ones."""

    checks = (
        (Database, {"alias": "default"}),
        (Cache, {"alias": "default"}),
        (Storage, {"alias": "default"}),
        (TaskBacklog, {}),
    )

    async def get(self, request, *args, **kwargs):
        checks = list(self.get_checks())
        results = await asyncio.gather(*(check.get_result() for check in checks))
        report = {}
        for check, result in zip(checks, results, strict=True):
            entry = {"ok": result.error is None, "seconds": round(result.time_taken, 4)}
            if result.error is not None:
                entry["error"] = str(result.error)
            report[NAMES[type(check)]] = entry
        ready = all(entry["ok"] for entry in report.values())
        return JsonResponse(
            {"status": "ok" if ready else "unavailable", "checks": report}, status=200 if ready else 503
        )
