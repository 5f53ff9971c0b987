"""Signed dossiers at rest: kept for the membership's life plus 5 years (R7.4), then deleted,
and the dossier page says so."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from portal.backoffice.tests.test_dossier import page, words
from portal.core.models import AuditEvent
from portal.enrollment.models import Membership, MembershipStatus
from portal.signatures.models import SignedDocument
from portal.tracking.models import Request


def purge(on: date) -> str:
    out = io.StringIO()
    moment = timezone.make_aware(datetime.combine(on, time(3)))
    with time_machine.travel(moment, tick=False):
        call_command("purge_files", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_signed_dossier_is_deleted_5_years_after_the_membership_ends(
    staff_client: Client, affiliation: Request, media_root: Path
) -> None:
    documents = list(SignedDocument.objects.filter(envelope__membership=affiliation.membership))
    assert documents and all(d.signed_file and d.unsigned_file for d in documents)
    paths = [media_root / str(d.signed_file.name) for d in documents]
    paths += [media_root / str(d.unsigned_file.name) for d in documents]
    assert all(b"%PDF" not in path.read_bytes() for path in paths)
    assert words(page(staff_client, affiliation)).count("Signature valide (document intact)") == 2

    ended = timezone.localdate() - timedelta(days=10)
    # The fixture's shortcut to a membership that ended (the services' path is tested in
    # terminations): only its end counts here.
    membership = affiliation.membership
    assert membership is not None
    Membership.objects.filter(pk=membership.pk).update(
        status=MembershipStatus.TERMINATED, end_date=ended
    )
    assert purge(ended + timedelta(days=5 * 365 - 1)).startswith("orphelins : 0")
    assert all(path.exists() for path in paths)

    out = purge(ended + timedelta(days=5 * 365 + 1))

    assert out.startswith(f"signed_dossier: {len(paths)} fichier(s) supprimé(s)\n")
    assert not any(path.exists() for path in paths)
    for document in documents:
        document.refresh_from_db()
        assert (document.signed_file.name, document.unsigned_file.name) == ("", "")
        assert len(document.signed_sha256) == 64  # the evidence of what was signed stays
    assert AuditEvent.objects.filter(action="file_deleted").count() == len(paths)
    response = page(staff_client, affiliation)
    assert response.status_code == 200
    body = words(response)
    assert body.count("Fichier supprimé (durée de conservation écoulée)") == 2
    assert "Voir le PDF signé" not in body
