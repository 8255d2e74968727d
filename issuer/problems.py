"""RFC 9457 problem details for the case API (``/api/v1/**``), and its request-body parsing.

Every case-API error is ``application/problem+json`` with ``type``, ``title``, ``status`` and
``detail``, plus ``code`` (a stable machine name) and, where fields are at fault,
``errors: [{path, code, en, da}]``. The OpenID4VCI endpoints keep the OAuth error format instead.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

API_PREFIX = "/api/v1"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def problem_body(status: int, title: str, detail: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem(status: int, title: str, detail: str = "", headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    """RFC 9457 problem details (``type`` about:blank: the ``title`` is the HTTP status's meaning)."""
    return JSONResponse(problem_body(status, title, detail, **extra), status_code=status,
                        media_type=PROBLEM_MEDIA_TYPE, headers={"Cache-Control": "no-store", **(headers or {})})


def problem_bytes(status: int, title: str, detail: str = "", **extra: Any) -> bytes:
    return json.dumps(problem_body(status, title, detail, **extra)).encode()


class Problem(Exception):
    """Raised anywhere under a case-API request; the app turns it into a problem+json response."""

    def __init__(self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers, extra

    def response(self) -> JSONResponse:
        return problem(self.status, self.title, self.detail, self.headers, **self.extra)


# ---------------------------------------------------------------- request-shape messages in en and da

def _shape_messages(kind: str, ctx: dict[str, Any], root: bool) -> tuple[str, str] | None:
    if root and kind in ("model_type", "model_attributes_type", "dict_type"):
        return ("The request body must be a JSON object.", "Forespørgslens indhold skal være et JSON-objekt.")
    n_max, n_min = ctx.get("max_length"), ctx.get("min_length")
    table: dict[str, tuple[str, str]] = {
        "missing": ("This field is required.", "Feltet skal udfyldes."),
        "string_type": ("Must be a text string.", "Skal være en tekst."),
        "dict_type": ("Must be a JSON object.", "Skal være et JSON-objekt."),
        "model_type": ("Must be a JSON object.", "Skal være et JSON-objekt."),
        "bool_type": ("Must be true or false.", "Skal være true eller false."),
        "bool_parsing": ("Must be true or false.", "Skal være true eller false."),
        "int_type": ("Must be a whole number.", "Skal være et helt tal."),
        "int_parsing": ("Must be a whole number.", "Skal være et helt tal."),
        "string_too_long": (f"At most {n_max} characters.", f"Højst {n_max} tegn."),
        "string_too_short": ((f"At least {n_min} character." if n_min == 1 else f"At least {n_min} characters."),
                             f"Mindst {n_min} tegn."),
        "extra_forbidden": ("Unknown field.", "Ukendt felt."),
        "json_invalid": ("The body is not valid JSON.", "Indholdet er ikke gyldig JSON."),
    }
    return table.get(kind)


def shape_errors(errors: list[dict[str, Any]], skip: int = 0) -> list[dict[str, str]]:
    """pydantic errors as ``[{path, code, en, da}]``; ``skip`` leading location parts (FastAPI's "body")."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())][skip:]
        kind = str(e.get("type", ""))
        messages = _shape_messages(kind, e.get("ctx") or {}, root=not loc)
        en, da = messages or (str(e.get("msg", "Invalid value.")), "Ugyldig værdi.")
        out.append({"path": ".".join(loc), "code": f"request.{kind}", "en": en, "da": da})
    return out


# ---------------------------------------------------------------- JSON bodies


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON (a scalar is 0, ``[]`` is 1), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in v)
    return deepest


def _too_deep(limit: int) -> Problem:
    return Problem(400, "Bad Request", f"the JSON body is nested more than {limit} levels deep", code="json_too_deep",
                   errors=[{"path": "", "code": "request.json_too_deep",
                            "en": f"The JSON is nested too deeply (at most {limit} levels).",
                            "da": f"JSON-indholdet er indlejret for dybt (højst {limit} niveauer)."}])


def parse_body(raw: bytes, content_type: str | None, model: type[BaseModel], max_depth: int) -> BaseModel:
    """``raw`` as ``model``: 415 for another media type, 400 for malformed or too deeply nested JSON,
    422 with field errors for the wrong shape."""
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise Problem(415, "Unsupported Media Type", "the body must be application/json", code="unsupported_media_type")
    try:
        data = orjson.loads(raw)  # strict RFC 8259; its own depth limit is 1024
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc).lower():
            raise _too_deep(max_depth) from None
        raise Problem(400, "Bad Request", "the body is not valid JSON", code="json_invalid",
                      errors=[{"path": "", "code": "request.json_invalid", "en": "The body is not valid JSON.",
                               "da": "Indholdet er ikke gyldig JSON."}]) from None
    if json_depth(data) > max_depth:
        raise _too_deep(max_depth)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Problem(422, "Unprocessable Content", "the request does not have the documented shape",
                      code="invalid_request", errors=shape_errors(exc.errors())) from None


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body that the endpoint parses itself."""
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": model.model_json_schema()}}}}
