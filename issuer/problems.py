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

from credential.i18n import LANGS, text

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

def words(key: str, **values: Any) -> dict[str, str]:
    """A problem text in every shipped language (gettext catalogs: ``issuer.problem.<key>``)."""
    return {lang: text(f"issuer.problem.{key}", lang, **values) for lang in LANGS}


_SHAPES = {"missing": "missing", "string_type": "string_type", "dict_type": "object_type", "model_type": "object_type",
           "bool_type": "bool_type", "bool_parsing": "bool_type", "int_type": "int_type", "int_parsing": "int_type",
           "extra_forbidden": "extra_forbidden", "json_invalid": "json_invalid"}


def _shape_messages(kind: str, ctx: dict[str, Any], root: bool) -> dict[str, str] | None:
    if root and kind in ("model_type", "model_attributes_type", "dict_type"):
        return words("body_not_object")
    if kind == "string_too_long":
        return words("string_too_long", n=ctx.get("max_length"))
    if kind == "string_too_short":
        n = ctx.get("min_length")
        return words("string_too_short_one" if n == 1 else "string_too_short", n=n)
    return words(_SHAPES[kind]) if kind in _SHAPES else None


def shape_errors(errors: list[dict[str, Any]], skip: int = 0) -> list[dict[str, str]]:
    """pydantic errors as ``[{path, code, en, da}]``; ``skip`` leading location parts (FastAPI's "body")."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())][skip:]
        kind = str(e.get("type", ""))
        messages = _shape_messages(kind, e.get("ctx") or {}, root=not loc)
        if messages is None:  # a shape pydantic names that has no words of ours: its own English
            messages = words("invalid_value")
            messages["en"] = str(e.get("msg") or messages["en"])
        out.append({"path": ".".join(loc), "code": f"request.{kind}", **messages})
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
                   errors=[{"path": "", "code": "request.json_too_deep", **words("json_too_deep", limit=limit)}])


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
                      errors=[{"path": "", "code": "request.json_invalid", **words("json_invalid")}]) from None
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
