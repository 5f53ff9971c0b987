from django.db import transaction
from django.utils import timezone
from django_tasks import task

from portal.notifications import delivery


@task()
def deliver_messages(message_ids: list[int]) -> None:
    """Send a chunk of outbox messages queued together (one task for many messages)."""
    for message_id in message_ids:
        deliver_message.call(message_id)


@task()
def deliver_message(message_id: int) -> None:
    """Send one outbox message (safe to run twice); schedule a retry after a failure."""
    retry_in = delivery.deliver(message_id)
    if retry_in is not None:
        run_after = timezone.now() + retry_in
        transaction.on_commit(
            lambda: deliver_message.using(run_after=run_after).enqueue(message_id)
        )
