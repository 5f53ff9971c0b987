"""Business events and their steps: durable top-level transactions, and steps that run in a
savepoint of their event and refuse to run alone."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from portal.core.models import AuditEvent
from portal.core.transactions import TransactionRequired, within_business_event


@within_business_event
def record_step(action: str, *, fail: bool = False) -> bool:
    AuditEvent.objects.create(action=action, target_type="test", target_id="1")
    if fail:
        raise ValueError("refused")
    return connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_a_step_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(TransactionRequired, match="record_step is one step of a business event"):
        record_step("alone")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_step_rolls_back_its_savepoint_only() -> None:
    with transaction.atomic(durable=True):
        assert record_step("kept") is True
        with pytest.raises(ValueError, match="refused"):
            record_step("undone", fail=True)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["kept"]


@pytest.mark.django_db(transaction=True)
def test_a_durable_event_cannot_be_nested_in_another_transaction() -> None:
    @transaction.atomic(durable=True)
    def event() -> None:
        AuditEvent.objects.create(action="event", target_type="test", target_id="1")

    with transaction.atomic(), pytest.raises(RuntimeError, match="durable atomic block"):
        event()
    assert not AuditEvent.objects.exists()
    event()
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_pytest_django_test_transaction_does_not_count_as_an_enclosing_one() -> None:
    # Django marks the test case's own atomic block: durable services run in ordinary tests.
    @transaction.atomic(durable=True)
    def event() -> None:
        AuditEvent.objects.create(action="event", target_type="test", target_id="1")

    event()
    assert AuditEvent.objects.count() == 1
