"""Small builders for OpenAPI 3.1 descriptions written by hand beside FastAPI's generated ones
(issue 14: "complete and true" descriptions, fuzzed with schemathesis). The services parse most
bodies themselves (bounded, with their own error formats), so FastAPI cannot see them; each service
describes those operations with these helpers in its ``openapi`` module."""

from __future__ import annotations

from typing import Any

__all__ = [
    "OAUTH_ERROR", "PROBLEM", "PROBLEM_SCHEMA", "TEXT", "content", "form_body", "header_param", "html", "json_body",
    "json_ok", "oauth", "operation", "path_param", "problem", "query_param", "redirect", "response",
]

PROBLEM = "application/problem+json"

OAUTH_ERROR = {  # RFC 6749 §5.2 (and RFC 6750 §3, OpenID4VCI §6.3/§8.3.1, OpenID4VP §8.5)
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
PROBLEM_SCHEMA = {  # RFC 9457 §3.1, with this project's members
    "type": "object", "required": ["type", "title", "status"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "code": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object"}}},
}
TEXT = {"type": "string"}


def content(media_type: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {media_type: {"schema": schema if schema is not None else TEXT}}


def response(description: str, media_type: str | None = None, schema: dict[str, Any] | None = None,
             headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if media_type is not None:
        out["content"] = content(media_type, schema)
    if headers:
        out["headers"] = {k: {"schema": {"type": "string"}, "description": v} for k, v in headers.items()}
    return out


def json_ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return response(description, "application/json", schema if schema is not None else {"type": "object"})


def oauth(description: str, **kw: Any) -> dict[str, Any]:
    return response(description, "application/json", OAUTH_ERROR, **kw)


def problem(description: str, **kw: Any) -> dict[str, Any]:
    return response(description, PROBLEM, PROBLEM_SCHEMA, **kw)


def html(description: str) -> dict[str, Any]:
    return response(description, "text/html", TEXT)


def redirect(description: str) -> dict[str, Any]:
    return response(description, headers={"Location": "where to go next"})


def form_body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """An ``application/x-www-form-urlencoded`` request body (the fields are strings)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}


def json_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def path_param(name: str, schema: dict[str, Any] | None = None, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "string"},
            "description": description}


def query_param(name: str, schema: dict[str, Any] | None = None, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"},
            "description": description}


def header_param(name: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": {"type": "string"}, "description": description}


def operation(summary: str, responses: dict[str | int, dict[str, Any]], *, tags: list[str] | None = None,
              body: dict[str, Any] | None = None, parameters: list[dict[str, Any]] | None = None,
              security: list[dict[str, list[str]]] | None = None, operation_id: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {str(k): v for k, v in responses.items()}}
    if tags:
        op["tags"] = tags
    if body is not None:
        op["requestBody"] = body
    if parameters:
        op["parameters"] = parameters
    if security is not None:
        op["security"] = security
    if operation_id:
        op["operationId"] = operation_id
    return op
