"""The users of the load bench (a locustfile, run by `bench/load.py`, not on its own).

Employees go through the journey from their personal link to the SMS-code signature; HR
correspondents log in and browse "Mes collaborateurs" and "Mes demandes". What they need (the
invitation links, the logins) comes from `bench/load.py` through an inherited pipe
(`LOAD_SECRETS_FD`): the links stay in memory, never on disk.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import altcha
from django_otp.oath import TOTP
from locust import FastHttpUser, events, task
from locust.exception import StopUser

SECRETS: dict[str, Any] = json.loads(os.fdopen(int(os.environ["LOAD_SECRETS_FD"])).read())
EMPLOYEES: list[dict[str, Any]] = SECRETS["employees"]
HR_LOGINS: list[dict[str, Any]] = SECRETS["hr"]
_HR_TURN = itertools.count()
SMS_DIR = Path(SECRETS["sms_dir"])
THINK = tuple(SECRETS["think"])  # seconds between two pages, as a person reads and types
PASSWORD = "Adherent-2026!"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE = re.compile(r"\b(\d{6})\b")
MEMBERSHIP = re.compile(r"/mon-espace/adhesion/(\d+)/")
SMS_TIMEOUT = 60.0


class Failed(Exception):
    """A page did not answer what the journey expects (counted as an error)."""


def think() -> None:
    time.sleep(random.uniform(*THINK))


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    if match is None:
        raise Failed("no CSRF token on the page")
    return match.group(1)


def record(name: str, started: float, error: Exception | None = None) -> None:
    """A step that is not one HTTP request (the SMS's arrival, the whole journey)."""
    events.request.fire(  # type: ignore[no-untyped-call]
        request_type="BENCH",
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=0,
        exception=error,
        context={},
    )


class Browser:
    """The pages of one user: GET shows, POST submits (with the page's CSRF token)."""

    def __init__(self, user: FastHttpUser) -> None:
        self.client = user.client
        self.page = ""

    def get(self, url: str, name: str, expect: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            text = response.text or ""
            if response.status_code != 200 or expect not in text:
                response.failure(f"{response.status_code}, no «{expect}»")
                raise Failed(name)
            self.page = text
            return text

    def post(self, url: str, name: str, data: dict[str, str], lands: str) -> str:
        """Submit a form and follow its redirect; `lands` is a piece of the final address."""
        data = {"csrfmiddlewaretoken": csrf_of(self.page), **data}
        with self.client.post(url, name=name, data=data, catch_response=True) as response:
            final = str(response.url or "")
            if response.status_code != 200 or lands not in final:
                response.failure(f"{response.status_code} at {final}, not {lands}")
                raise Failed(name)
            self.page = response.text or ""
            return final


def sms_code(phone: str, sent_before: int) -> str:
    """The code the phone received after the `sent_before` earlier messages."""
    path = SMS_DIR / f"{phone}.txt"
    deadline = time.perf_counter() + SMS_TIMEOUT
    while time.perf_counter() < deadline:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        if len(lines) > sent_before:
            match = CODE.search(lines[-1])
            if match:
                return match.group(1)
        time.sleep(0.25)
    raise Failed("no SMS within 60 s")


def sms_count(phone: str) -> int:
    path = SMS_DIR / f"{phone}.txt"
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


class Employee(FastHttpUser):
    """An employee invited by their employer: activation, the five steps, the SMS signature."""

    weight = SECRETS["employee_users"]

    def wait_time(self) -> float:
        return random.uniform(*THINK)

    @task
    def journey(self) -> None:
        if not EMPLOYEES:
            raise StopUser  # every invited employee has enrolled
        person = EMPLOYEES.pop()
        self.client.cookiejar.clear()
        started = time.perf_counter()
        try:
            self.enroll(Browser(self), person)
        except Failed as error:
            record("parcours complet", started, error)
        else:
            record("parcours complet", started)

    def enroll(self, b: Browser, p: dict[str, Any]) -> None:
        b.get(p["link"], "activation", "Confirmer votre mot de passe")
        think()
        final = b.post(
            p["link"],
            "activation [envoi]",
            {"password1": PASSWORD, "password2": PASSWORD},
            "/profil/",
        )
        match = MEMBERSHIP.search(final)
        if match is None:
            raise Failed("no membership in the address")
        base = f"/mon-espace/adhesion/{match.group(1)}/"
        # "Mon profil": the page the activation landed on.
        if "Mon profil" not in b.page:
            raise Failed("profile")
        think()
        b.post(
            f"{base}profil/", "profil [envoi]", {**p["profile"], "continue": "1"}, "/beneficiaires/"
        )
        think()
        b.get(f"{base}beneficiaires/ajouter/", "bénéficiaires [ajout]", "Type de bénéficiaire")
        think()
        b.post(
            f"{base}beneficiaires/ajouter/", "bénéficiaires [envoi]", p["child"], "/beneficiaires/"
        )
        think()
        b.post(f"{base}beneficiaires/", "bénéficiaires [suivant]", {}, "/garanties/")
        think()
        b.post(
            f"{base}garanties/", "garanties [envoi]", {"option": "base"}, "/coordonnees-bancaires/"
        )
        think()
        b.post(
            f"{base}coordonnees-bancaires/",
            "coordonnées bancaires [envoi]",
            p["bank"],
            "/signature/",
        )
        think()
        b.get(f"{base}signature/recapitulatif/", "récapitulatif", "Veuillez relire")
        think()
        b.post(f"{base}signature/recapitulatif/", "récapitulatif [valider]", {}, "/bulletin/")
        with self.client.get(
            f"{base}signature/bulletin.pdf", name="bulletin [pdf]", catch_response=True
        ) as pdf:
            if pdf.status_code != 200 or not (pdf.content or b"").startswith(b"%PDF"):
                pdf.failure(f"{pdf.status_code}, not a PDF")
                raise Failed("bulletin pdf")
        think()
        b.post(
            f"{base}signature/bulletin/",
            "bulletin [signer]",
            {"consent1": "on", "consent2": "on"},
            "/sms/",
        )
        think()
        earlier = sms_count(p["phone_digits"])
        sent = time.perf_counter()
        b.post(f"{base}signature/sms/", "code SMS [envoi]", {"phone": p["phone"]}, "/code/")
        try:
            code = sms_code(p["phone_digits"], earlier)
        except Failed as error:
            record("code SMS [réception]", sent, error)
            raise
        record("code SMS [réception]", sent)
        think()
        b.post(f"{base}signature/code/", "signature [code]", {"code": code}, "/terminee/")
        if "Votre adhésion est terminée" not in b.page:
            raise Failed("done")
        with self.client.get(
            f"{base}signature/bulletin.pdf", name="dossier signé [pdf]", catch_response=True
        ) as pdf:
            if pdf.status_code != 200 or not (pdf.content or b"").startswith(b"%PDF"):
                pdf.failure(f"{pdf.status_code}, not a PDF")
                raise Failed("signed pdf")


def solve_robot_check(page: str) -> str:
    """The login page's proof of work, solved as the browser widget does."""
    match = re.search(r'challengejson="([^"]+)"', page)
    if match is None:
        raise Failed("no anti-robot challenge")
    challenge = json.loads(html.unescape(match.group(1)))
    solution = altcha.solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["max_number"]
    )
    if solution is None:
        raise Failed("anti-robot challenge unsolved")
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def log_in_hr(b: Browser, login: dict[str, Any]) -> None:
    """The HR login, in one place: a second factor (per company) would be answered here."""
    b.get("/connexion/", "connexion RH", "Connexion")
    think()
    b.post(
        "/connexion/",
        "connexion RH [envoi]",
        {
            "username": login["email"],
            "password": login["password"],
            "robot": solve_robot_check(b.page),
        },
        "/connexion/code/",
    )
    # "Code de vérification": the code the HR user's authenticator app shows now.
    code = TOTP(bytes.fromhex(login["totp_key"])).token()
    b.post(
        "/connexion/code/",
        "connexion RH [code]",
        {"code": f"{code:06d}"},
        f"/entreprises/{login['company_id']}/",
    )


class Correspondent(FastHttpUser):
    """An HR correspondent browsing the lists of a company that is enrolling its staff."""

    weight = SECRETS["hr_users"]

    def wait_time(self) -> float:
        return random.uniform(*THINK)

    def on_start(self) -> None:
        self.browser = Browser(self)
        # One login per simulated person: a TOTP code is accepted once (replay refused).
        self.login = HR_LOGINS[next(_HR_TURN) % len(HR_LOGINS)]
        try:
            log_in_hr(self.browser, self.login)
        except Failed as error:
            raise StopUser from error
        self.base = f"/entreprises/{self.login['company_id']}/"

    @task(3)
    def employees(self) -> None:
        b = self.browser
        try:
            b.get(f"{self.base}mes-collaborateurs/", "liste des salariés", "Mes collaborateurs")
            page = random.randint(2, 20)
            b.get(
                f"{self.base}mes-collaborateurs/?page={page}",
                "liste des salariés [page]",
                "Mes collaborateurs",
            )
            b.get(
                f"{self.base}mes-collaborateurs/?nom=mar",
                "liste des salariés [recherche]",
                "Mes collaborateurs",
            )
        except Failed:
            return

    @task(3)
    def requests(self) -> None:
        b = self.browser
        try:
            b.get(f"{self.base}mes-demandes/", "demandes", "Mes demandes")
            b.get(
                f"{self.base}mes-demandes/?etat=in_progress", "demandes [en cours]", "Mes demandes"
            )
            b.get(f"{self.base}mes-demandes/?nom=ber", "demandes [recherche]", "Mes demandes")
        except Failed:
            return

    @task(1)
    def home(self) -> None:
        try:
            self.browser.get(self.base, "accueil RH", "Accueil")
        except Failed:
            return
