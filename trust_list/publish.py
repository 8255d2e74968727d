"""Publication of the signed lists over HTTP (docs/trust-lists-profile.md §2, "static JWS files").

``create_app(directory)`` serves ``GET /trust-lists/{pub-eaa,wrpac,wrprc}.jwt`` from the files
``<directory>/<name>.jwt`` (an operator's ``signed/`` directory), read on every request so a newly
signed list is served at once. Responses carry a strong ETag (SHA-256 of the token), ``Expires`` =
NextUpdate and ``Cache-Control: public, max-age=N`` with N = seconds until NextUpdate, capped at
``max_age_cap`` (a CDN must not hold a list longer than it is valid, nor miss a re-signing for long).
``If-None-Match`` with the current ETag gives 304.
"""

from __future__ import annotations

import hashlib
import time
from email.utils import formatdate
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, Request, Response

from credential.jose import JoseError, parse_compact

from .model import LIST_BY_SHORT_NAME, parse_lote

MEDIA_TYPE = "application/jwt"
DEFAULT_MAX_AGE_CAP = 3600


def etag_of(token: bytes) -> str:
    return '"' + hashlib.sha256(token).hexdigest()[:32] + '"'


def _next_update(token: bytes) -> int | None:
    try:
        return parse_lote(parse_compact(token.decode("ascii").strip(), max_bytes=4 * 1024 * 1024).payload()).next_update
    except (JoseError, KeyError, TypeError, ValueError, UnicodeError):
        return None


def create_app(directory: Path, *, clock: Callable[[], float] = time.time,
               max_age_cap: int = DEFAULT_MAX_AGE_CAP) -> FastAPI:
    app = FastAPI(title="ESSPASS trust lists", docs_url=None, redoc_url=None, openapi_url=None)
    directory = Path(directory)

    @app.get("/trust-lists/{name}.jwt")
    def get_list(name: str, request: Request) -> Response:
        if name not in LIST_BY_SHORT_NAME:
            return Response(status_code=404)
        try:
            token = (directory / f"{name}.jwt").read_bytes().strip()
        except OSError:
            return Response(status_code=404)
        now = int(clock())
        next_update = _next_update(token)
        max_age = 0 if next_update is None else max(0, min(next_update - now, max_age_cap))
        headers = {"ETag": etag_of(token), "Cache-Control": f"public, max-age={max_age}"}
        if next_update is not None:
            headers["Expires"] = formatdate(next_update, usegmt=True)
        match = request.headers.get("if-none-match", "")
        if headers["ETag"] in [m.strip() for m in match.split(",")] or match.strip() == "*":
            return Response(status_code=304, headers=headers)
        return Response(content=token, media_type=MEDIA_TYPE, headers=headers)

    return app
