"""Transactions of business events: a top-level service commits its event alone
(`transaction.atomic(durable=True)`); a service that is one step of a larger event says so."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from django.db import connection, transaction
from django.db.models.fields.files import FieldFile

P = ParamSpec("P")
R = TypeVar("R")


class TransactionRequired(RuntimeError):
    """A step of a business event was called on its own: it would commit half an event."""


def within_business_event(service: Callable[P, R]) -> Callable[P, R]:
    """Run `service` in a savepoint of its caller's transaction, and refuse to run it outside
    one (e.g. a signature's effect, which commits with the signature or not at all)."""
    atomic_service = transaction.atomic(service)

    @functools.wraps(service)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        if not connection.in_atomic_block:
            raise TransactionRequired(
                f"{service.__qualname__} is one step of a business event: call it inside the "
                "event's transaction."
            )
        return atomic_service(*args, **kwargs)

    return inner


@contextmanager
def files_removed_on_error() -> Iterator[list[FieldFile]]:
    """Files written through the storage API are not transactional: on any error before the
    commit, delete those written so far (append them to the list), then let the error roll the
    transaction back."""
    written: list[FieldFile] = []
    try:
        yield written
    except BaseException:
        for file in written:
            if file.name:
                file.storage.delete(file.name)
        raise
