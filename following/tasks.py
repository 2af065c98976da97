"""Background work of following, run by `manage.py run_worker`; every task is safe to run twice."""

from django.tasks import task

from following import digests


@task()
def send_digest_batch(run_id: int, subscriber_ids: list[int]) -> int:
    """The digests of up to DIGEST_BATCH_SIZE subscribers for one run (following.digests.send_batch)."""
    return digests.send_batch(run_id, subscriber_ids)
