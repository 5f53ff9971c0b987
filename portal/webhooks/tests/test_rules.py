"""Which addresses may receive webhooks, when a message is retried, when an endpoint is disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.webhooks import rules
from portal.webhooks.errors import WebhookError

SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000]
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://rh.example.fr/webhooks", None),
        ("https://93.184.216.34:8443/hooks?x=1", None),
        ("https://[2606:4700::1111]/hooks", None),
        ("http://rh.example.fr/webhooks", WebhookError.WEBHOOK_URL_NOT_HTTPS),
        ("https://localhost/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://api.localhost/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://paie.local/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://127.0.0.1/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://127.8.9.10/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://10.1.2.3/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://172.16.0.1/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://172.31.255.254/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://192.168.1.10/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://169.254.169.254/latest/meta-data", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://100.64.0.1/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://0.0.0.0/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://[::1]/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://[fe80::1]/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://[fd00::1]/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://[::ffff:127.0.0.1]/hooks", WebhookError.WEBHOOK_URL_LOCAL),
        ("https://user:secret@rh.example.fr/hooks", WebhookError.WEBHOOK_URL_CREDENTIALS),
        ("ftp://rh.example.fr/hooks", WebhookError.WEBHOOK_URL_INVALID),
        ("rh.example.fr/hooks", WebhookError.WEBHOOK_URL_INVALID),
        ("https://", WebhookError.WEBHOOK_URL_INVALID),
        ("https://rh.example.fr:99999/hooks", WebhookError.WEBHOOK_URL_INVALID),
        ("https://rh.example.fr/a b", WebhookError.WEBHOOK_URL_INVALID),
        ("https://rh.example.fr/" + "a" * 500, WebhookError.WEBHOOK_URL_TOO_LONG),
    ],
)
def test_production_accepts_only_public_https_addresses(
    url: str, code: WebhookError | None
) -> None:
    problems = rules.url_problems(url, allow_local=False)

    assert [p.code for p in problems] == ([str(code)] if code else [])
    assert all(p.field == "url" for p in problems)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8123/hooks", "https://localhost/hooks", "http://10.0.0.2/"]
)
def test_allowing_local_addresses_lets_http_and_local_receivers_through(url: str) -> None:
    assert rules.url_problems(url, allow_local=True) == []


def test_credentials_and_invalid_urls_are_refused_even_when_local_is_allowed() -> None:
    assert [p.code for p in rules.url_problems("http://a:b@127.0.0.1/", allow_local=True)] == [
        "webhook_url_credentials"
    ]
    assert [p.code for p in rules.url_problems("mailto:rh@x.fr", allow_local=True)] == [
        "webhook_url_invalid"
    ]


def test_the_local_address_message_names_the_host() -> None:
    (problem,) = rules.url_problems("https://192.168.1.10/hooks", allow_local=False)

    assert problem.message == (
        "L'adresse « 192.168.1.10 » est une adresse locale ou privée, injoignable depuis nos "
        "serveurs : indiquez l'adresse publique de votre logiciel."
    )


def test_an_endpoint_needs_at_least_one_known_event() -> None:
    assert [p.code for p in rules.event_problems([])] == ["webhook_events_required"]
    assert [p.message for p in rules.event_problems(["request.created", "salary.paid"])] == [
        "L'événement « salary.paid » n'existe pas : choisissez parmi les événements proposés."
    ]
    assert rules.event_problems(["request.created", "dsn.integrated"]) == []


@pytest.mark.parametrize(
    ("failed", "delay"),
    [
        (1, timedelta(seconds=5)),
        (2, timedelta(minutes=5)),
        (3, timedelta(minutes=30)),
        (4, timedelta(hours=2)),
        (5, timedelta(hours=5)),
        (6, timedelta(hours=10)),
        (7, timedelta(hours=10)),
        (8, None),
        (0, None),
    ],
)
def test_retries_follow_the_standard_webhooks_schedule(
    failed: int, delay: timedelta | None
) -> None:
    assert rules.retry_delay(failed, SCHEDULE) == delay


@pytest.mark.parametrize(
    ("failures", "since", "disabled"),
    [
        (15, NOW - timedelta(days=5), True),
        (40, NOW - timedelta(days=6), True),
        (14, NOW - timedelta(days=6), False),  # too few attempts, however long
        (500, NOW - timedelta(days=4, hours=23), False),  # a burst: many failures, not long
        (15, None, False),
    ],
)
def test_an_endpoint_is_disabled_after_days_of_failures_and_enough_attempts(
    failures: int, since: datetime | None, disabled: bool
) -> None:
    assert (
        rules.should_disable(
            consecutive_failures=failures,
            failing_since=since,
            now=NOW,
            min_failures=15,
            failing_for=timedelta(days=5),
        )
        is disabled
    )
