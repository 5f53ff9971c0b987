from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from portal.webhooks import delivery
from portal.webhooks.choices import MessageState


class Command(BaseCommand):
    help = (
        "Every minute: send the webhook messages whose attempt is due (retries, and any message "
        "a stopped worker left), then delete the delivered or failed ones older than "
        "WEBHOOKS_KEEP_DAYS. Run from cron or a systemd timer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=1000, help="At most this many messages per run."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        due = delivery.due_message_ids(timezone.now(), options["limit"])
        delivered = 0
        for message_id in due:
            message = delivery.attempt(message_id)
            delivered += message is not None and message.state == MessageState.DELIVERED
        purged = delivery.purge_old_messages(timezone.now())
        self.stdout.write(
            f"{len(due)} notification(s) à envoyer, {delivered} livrée(s), "
            f"{purged} ancienne(s) supprimée(s)."
        )
