"""The OpenAPI descriptions are written by hand (issuer/openapi.py, verifier/openapi.py): every route
the services serve must be in them, so that a new endpoint cannot escape the fuzz campaign."""

from __future__ import annotations

from starlette.routing import Mount

from issuer.api import create_app as issuer_app
from issuer.settings import Settings
from verifier.api import create_app as verifier_app
from verifier.service import VerifierService
from verifier.settings import VerifierSettings

NOT_DESCRIBED = {("GET", "/openapi.json")}  # the description itself


def _routes(routes, prefix: str = ""):
    for r in routes:
        included = getattr(r, "include_context", None)  # FastAPI >= 0.16x keeps included routers as such
        if included is not None:
            yield from _routes(included.included_router.routes, prefix + included.prefix)
        elif isinstance(r, Mount):
            yield from _routes(r.routes, prefix + r.path)
        elif getattr(r, "methods", None):
            for m in r.methods - {"HEAD"}:
                yield m, prefix + r.path


def _missing(app) -> set[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return {(m, p) for m, p in _routes(app.routes)
            if (m, p) not in NOT_DESCRIBED and m.lower() not in paths.get(p, {})}


def test_every_issuer_route_is_described(tmp_path):
    assert _missing(issuer_app(Settings(home=tmp_path / "home", status_list_size=1000))) == set()


def test_every_verifier_route_is_described(tmp_path):
    assert _missing(verifier_app(service=VerifierService(VerifierSettings(home=tmp_path)))) == set()
