"""RFC 9457 problem details: the API's one shape of an error, with the portal's codes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

from portal.core.errors import ErrorCode, Problem

CONTENT_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """Answer `status` with the problem `code` (raised anywhere in an endpoint)."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        *,
        field: str = "",
        headers: dict[str, str] | None = None,
        **params: object,
    ) -> None:
        self.status_code = status
        self.problems = [Problem(field, str(code), code.text(**params))]
        self.headers = headers or {}
        super().__init__(self.problems[0].message)


TITLES = {
    400: "Requête incorrecte",
    401: "Authentification requise",
    403: "Droit manquant",
    404: "Introuvable",
    409: "Conflit",
    413: "Trop volumineux",
    422: "Données refusées",
    429: "Trop d'appels",
    500: "Erreur du serveur",
}


def problem_body(status: int, problems: Iterable[Problem], *, instance: str) -> dict[str, Any]:
    """`type` names the first problem's code, `detail` its message; `errors` lists them all,
    each with the field it is about: the same `{field, code, message}` as the form's and the
    rejection file's."""
    from django.conf import settings

    listed = list(problems)
    first = listed[0]
    return {
        "type": f"{settings.SITE_URL}/api/docs/#probleme-{first.code}",
        "title": TITLES.get(status, "Erreur"),
        "status": status,
        "detail": first.message,
        "instance": instance,
        "code": first.code,
        "errors": [p.as_dict() for p in listed],
    }


def problem_response(
    status: int,
    problems: Iterable[Problem],
    *,
    instance: str,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body = problem_body(status, problems, instance=instance)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
