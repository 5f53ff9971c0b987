"""The API's reference page at /api/docs/: made on the server from the OpenAPI schema, in the
portal's look, readable without JavaScript (the strict Content-Security-Policy allows no inline
script nor third-party script, which Swagger UI needs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

from portal.api.errors import ApiError
from portal.api.models import Scope

if TYPE_CHECKING:
    from ninja import NinjaAPI

METHODS = ("get", "post", "put", "patch", "delete")
SCOPES = {  # the right each writing endpoint needs (every key reads)
    ("post", "/api/v1/employees"): Scope.DECLARE,
    ("post", "/api/v1/employees/batch"): Scope.DECLARE,
    ("post", "/api/v1/imports"): Scope.DECLARE,
    ("post", "/api/v1/requests/{request_id}/cancel"): Scope.DECLARE,
    ("post", "/api/v1/requests/{request_id}/reminders"): Scope.DECLARE,
    ("post", "/api/v1/memberships/{membership_id}/termination"): Scope.TERMINATE,
}


def _type(schema: dict[str, Any], components: dict[str, Any]) -> str:
    """A short reading of a JSON schema type: "date", "liste d'entiers", "MembershipStatus"."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        target = components.get(name, {})
        if "enum" in target:
            return " | ".join(f"« {v} »" for v in target["enum"])
        return name
    if "anyOf" in schema:
        kinds = [_type(s, components) for s in schema["anyOf"] if s.get("type") != "null"]
        return " | ".join(kinds) + (" ou null" if len(kinds) < len(schema["anyOf"]) else "")
    if "enum" in schema:
        return " | ".join(f"« {v} »" for v in schema["enum"])
    kind = str(schema.get("type", ""))
    if kind == "array":
        return f"liste de {_type(schema.get('items', {}), components)}"
    fmt = str(schema.get("format", ""))
    return {"date": "date (AAAA-MM-JJ)", "date-time": "date et heure ISO 8601"}.get(
        fmt, {"string": "texte", "integer": "entier", "boolean": "booléen"}.get(kind, kind)
    )


def _fields(schema: dict[str, Any], components: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = components.get(name, {})
    else:
        name = ""
    required = set(schema.get("required", []))
    return name, [
        {
            "name": field,
            "type": _type(spec, components),
            "required": field in required,
            "description": spec.get("description", ""),
        }
        for field, spec in schema.get("properties", {}).items()
    ]


def _slug(path: str) -> str:
    return path.strip("/").replace("/", "-").replace("{", "").replace("}", "")


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    components = schema.get("components", {}).get("schemas", {})
    found = []
    for path, methods in schema.get("paths", {}).items():
        for method in METHODS:
            operation = methods.get(method)
            if operation is None:
                continue
            body = None
            content = operation.get("requestBody", {}).get("content", {})
            for media, spec in content.items():
                name, fields = _fields(spec.get("schema", {}), components)
                body = {"media": media, "name": name, "fields": fields}
            responses = []
            for status, response in operation.get("responses", {}).items():
                for media, spec in response.get("content", {}).items():
                    name, _ = _fields(spec.get("schema", {}), components)
                    responses.append({"status": status, "media": media, "name": name})
            scope = SCOPES.get((method, path), Scope.READ)
            found.append(
                {
                    "anchor": f"{method}-{_slug(path)}",
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "scope": Scope(scope).label,
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": {"path": "chemin", "query": "requête"}.get(p["in"], p["in"]),
                            "type": _type(p.get("schema", {}), components),
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": body,
                    "responses": responses,
                }
            )
    return found


class ReferencePage(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        return render(
            request,
            "api/docs.html",
            {
                "operations": operations(schema),
                "site_url": settings.SITE_URL,
                "problems": [(e.value, e.message) for e in ApiError],
                "rate_limit": settings.API_RATE_LIMIT_PER_MINUTE,
                "batch_max": settings.API_BATCH_MAX,
                "space_name": "API",
            },
        )
