"""A correspondent creates an API key and a webhook address, its payroll software declares an
employee with the key and hears of it by a signed notification, the request shows in "Mes
demandes", then the key is revoked and refused."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from standardwebhooks.webhooks import Webhook

from e2e.conftest import log_in
from portal.backoffice.demo import DEMO_PASSWORD
from portal.companies.models import InsuredGroup


def api_call(
    server: LiveServer, key: str, path: str, body: dict[str, object]
) -> tuple[int, dict[str, Any]]:
    request = Request(
        f"{server.url}/api/v1{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.fixture
def payroll_software() -> Iterator[tuple[str, list[tuple[bytes, dict[str, str]]]]]:
    """The payroll software's webhook receiver on 127.0.0.1: (its URL, what it received)."""
    received: list[tuple[bytes, dict[str, str]]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, dict(self.headers.items())))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/paie/hooks", received
    server.shutdown()


def test_a_key_made_in_the_access_page_declares_by_the_api_until_revoked(
    page: Page,
    demo: None,
    live_server: LiveServer,
    payroll_software: tuple[str, list[tuple[bytes, dict[str, str]]]],
) -> None:
    hooks_url, received = payroll_software
    log_in(page, "rh2@demo.example", DEMO_PASSWORD)
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Accès API").click()
    expect(page.get_by_role("heading", name="Accès API", exact=True)).to_be_visible()

    page.get_by_label("Nom de la clé").fill("Paie Silae")
    page.get_by_label("Déclarer et relancer").check()
    page.get_by_role("button", name="Créer la clé").click()
    expect(page.get_by_text("Copiez-la maintenant dans votre logiciel")).to_be_visible()
    key = page.get_by_label("Clé d'API").input_value()
    assert key.startswith("mut_")

    # The software's address hears of every request created.
    page.get_by_role("link", name="Notifications (webhooks)").click()
    page.get_by_role("link", name="Ajouter une adresse").click()
    page.get_by_label("Adresse (URL)").fill(hooks_url)
    page.get_by_label("Demande créée").check()
    page.get_by_role("button", name="Ajouter l'adresse").click()
    secret = page.get_by_label("Secret de signature").input_value()
    assert secret.startswith("whsec_")
    page.get_by_role("link", name="Voir l'adresse").click()

    group = InsuredGroup.objects.get(contract__company__legal_name="ATELIER NUMERIQUE DUPONT",
                                     code="02ENSP")  # fmt: skip
    start = (timezone.localdate() - timedelta(days=5)).isoformat()
    status, answer = api_call(
        live_server,
        key,
        "/employees",
        {
            "civility": "MME", "last_name": "Nouvelle", "first_name": "Anaïs",
            "birth_date": "1990-02-03", "hire_date": start, "effective_date": start,
            "insured_group_ids": [group.pk], "alsace_moselle": False,
            "email": "anais.nouvelle@example.org",
        },
    )  # fmt: skip
    assert status == 201, answer
    # Delivered on the declaration's commit (the test settings run the worker's tasks at
    # once), signed: the software verifies it with the library's own verifier.
    ((body, headers),) = received
    event = Webhook(secret).verify(body, headers)
    assert event["type"] == "request.created"
    assert event["data"]["request"]["id"] == answer["request_id"]
    page.reload()
    expect(page.get_by_text("Dernières livraisons")).to_be_visible()

    menu.get_by_role("link", name="Mes demandes").click()
    row = page.locator(".row").filter(has_text="Anaïs NOUVELLE")
    expect(row).to_contain_text("origine : api")

    menu.get_by_role("link", name="Accès API").click()
    page.get_by_role("button", name="Révoquer la clé Paie Silae").click()
    expect(page.get_by_text("La clé « Paie Silae » est révoquée")).to_be_visible()
    status, answer = api_call(live_server, key, "/employees/batch", {"employees": []})
    assert (status, answer["code"]) == (401, "api_key_revoked")

    # "Mes accès": the company's accountant gets read-only access (axe checks the page too).
    menu.get_by_role("link", name="Mes accès").click()
    page.get_by_label(re.compile(r"^Nom")).fill("Comptable")
    page.get_by_label(re.compile(r"^Prénom")).fill("Paul")
    page.get_by_label(re.compile(r"^E-mail")).fill("paul@cabinet.example")
    page.get_by_label(re.compile(r"^Qualité")).select_option(label="Expert-comptable")
    page.get_by_role("button", name="Inviter").click()
    expect(page.get_by_text("paul@cabinet.example a maintenant accès à")).to_be_visible()
    expect(page.get_by_role("cell", name="Lecture", exact=True)).to_be_visible()

    menu.get_by_role("link", name="Accès API").click()
    page.get_by_role("link", name="Documentation de l'API").click()
    expect(
        page.get_by_role("heading", name="API de l'Espace entreprise — version 1")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Déclarer un salarié").first).to_be_visible()
