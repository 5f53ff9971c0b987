"""The worker's webhook deliveries: enqueued on commit of the business event, one per batch."""

from __future__ import annotations

from django_tasks import task

from portal.webhooks import delivery
from portal.webhooks.choices import MessageState


@task()
def deliver_webhooks(message_ids: list[int]) -> None:
    """Send each due message of the batch once; a failed one is retried at its next attempt's
    time by a deferred task when the queue can defer (the database queue), and in any case by
    the `send_webhooks` sweep."""
    for message_id in message_ids:
        message = delivery.attempt(message_id)
        if (
            message is not None
            and message.state == MessageState.PENDING
            and message.next_attempt_at is not None
            and deliver_webhooks.get_backend().supports_defer
        ):
            deliver_webhooks.using(run_after=message.next_attempt_at).enqueue([message_id])
