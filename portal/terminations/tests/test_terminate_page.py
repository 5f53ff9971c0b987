"""Issue 11 (defect 14): the motifs one per line, the three that open portability marked once."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import declare
from portal.companies.models import Company
from portal.enrollment.models import Membership, MembershipStatus


@pytest.mark.django_db
def test_the_motifs_are_stacked_and_the_portability_ones_share_one_legend(
    client_a: Client, company_a: Company
) -> None:
    membership = declare(company_a).membership
    assert membership is not None
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.ACTIVE)
    url = reverse("terminations:terminate", args=[company_a.pk, membership.pk])
    page = client_a.get(url).content.decode()
    assert '<div class="choices choices--stacked">' in page
    assert "(ouvre droit à la portabilité)" not in page
    assert page.count("Ces 3 motifs ouvrent le droit à la Portabilité.") == 1
    marked = re.findall(r'<label for="id_motif_\d+">([^<]+) <span class="portability-mark"', page)
    assert marked == [
        "Fin Contrat à Durée Déterminée / Fin de période d&#x27;essai",
        "Licenciement / Rupture conventionnelle",
        "Démission ouvrant droit à la portabilité",
    ]
