"""`/api/`: version 1 under `/api/v1/`, its schema at `/api/openapi.json`, its reference page at
`/api/docs/`."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from portal.api.auth import KeyAuth
from portal.api.docs import ReferencePage
from portal.api.errors import ApiError
from portal.api.problems import CONTENT_TYPE, ApiProblem, problem_response
from portal.api.v1 import router
from portal.core.errors import BusinessError, Problem

logger = logging.getLogger(__name__)

DESCRIPTION = """L'API de l'Espace entreprise : déclarer, suivre et résilier vos salariés depuis
votre logiciel de paie ou de RH, avec les mêmes règles et les mêmes messages que le formulaire et le
fichier. Chaque appel présente une clé d'API de l'entreprise (« Accès API » dans l'Espace
entreprise), avec ses droits : lecture, déclarer et relancer, résilier.

Les erreurs suivent la RFC 9457 (`application/problem+json`) : `code` stable, `detail` en
français, `errors` liste chaque problème avec le champ qu'il concerne."""


class PortalApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Problem responses are `application/problem+json`, as they are sent."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {CONTENT_TYPE: content["application/json"]}
        return schema


api = PortalApi(
    title="API de l'Espace entreprise",
    version="1",
    description=DESCRIPTION,
    auth=KeyAuth(),
    urls_namespace="api",
    docs=ReferencePage(),
    docs_url="/docs/",
    openapi_url="/openapi.json",
)
api.add_router("/v1/", router, tags=["v1"])


def _answer(request: HttpRequest, status: int, problems: list[Problem], **kw: Any) -> HttpResponse:
    return problem_response(status, problems, instance=request.path, **kw)


@api.exception_handler(ApiProblem)
def api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return _answer(request, exc.status_code, exc.problems, headers=exc.headers)


@api.exception_handler(BusinessError)
def business_error(request: HttpRequest, exc: BusinessError) -> HttpResponse:
    return _answer(request, 422, exc.problems)


def _field(location: list[Any]) -> str:
    names = [str(part) for part in location if part not in ("body", "query", "path", "form")]
    if names and names[0] in ("payload", "filters", "paging"):
        names = names[1:]
    return ".".join(names)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        Problem.of(
            ApiError.INVALID_REQUEST,
            _field(list(error.get("loc", []))),
            detail=_french(error),
        )
        for error in exc.errors
    ] or [Problem.of(ApiError.INVALID_REQUEST, detail="corps illisible")]
    return _answer(request, 422, problems)


TYPES = {
    "missing": "champ obligatoire absent",
    "date_from_datetime_parsing": "date attendue au format AAAA-MM-JJ",
    "date_parsing": "date attendue au format AAAA-MM-JJ",
    "date_type": "date attendue au format AAAA-MM-JJ",
    "datetime_parsing": "date et heure attendues au format ISO 8601",
    "datetime_from_date_parsing": "date et heure attendues au format ISO 8601",
    "datetime_type": "date et heure attendues au format ISO 8601",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "bool_parsing": "true ou false attendu",
    "bool_type": "true ou false attendu",
    "string_type": "texte attendu",
    "list_type": "liste attendue",
    "enum": "valeur non prévue",
    "literal_error": "valeur non prévue",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "json_invalid": "JSON illisible",
    "nul_character": "caractère nul (\\u0000) interdit dans un texte",
    "model_attributes_type": "objet JSON attendu",
    "dict_type": "objet JSON attendu",
}


def _french(error: dict[str, Any]) -> str:
    what = TYPES.get(str(error.get("type", "")), "valeur refusée")
    allowed = (error.get("ctx") or {}).get("expected")
    return f"{what} ({allowed})." if allowed and what == "valeur non prévue" else f"{what}."


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _answer(
        request,
        401,
        [Problem.of(ApiError.AUTHENTICATION_REQUIRED)],
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _answer(request, 404, [Problem.of(ApiError.NOT_FOUND, what="Ressource")])


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _answer(
        request, exc.status_code, [Problem.of(ApiError.INVALID_REQUEST, detail=str(exc))]
    )


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s", request.path)
    return _answer(request, 500, [Problem.of(ApiError.SERVER_ERROR)])


@csrf_exempt  # no session here: a POST to a wrong address is told so, not refused for CSRF
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """An address under /api/ that no endpoint serves: a problem too, never an HTML page."""
    return _answer(request, 404, [Problem.of(ApiError.NOT_FOUND, what="Adresse")])


urlpatterns = [path("api/", api.urls), path("api/<path:rest>", unknown)]


def _problem_or_page(status: int, page: Any, code: ApiError, **params: str) -> Any:
    """Django's error views (handler400/403/404/500) for the whole site: under /api/ a problem
    too (a request Django refuses before any endpoint, say a malformed path), elsewhere the
    site's styled page."""

    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if request.path.startswith("/api/") and not request.path.startswith("/api/docs"):
            return _answer(request, status, [Problem.of(code, **params)])
        answer: HttpResponse = (
            page(request) if exception is None and status == 500 else page(request, exception)
        )
        return answer

    return view
