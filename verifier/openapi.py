"""The verifier's OpenAPI 3.1 description, complete and true (issue 14): the OpenID4VP endpoints and
the JSON API with the bodies the service parses itself (JSON and form), every status code and content
type (``application/oauth-authz-req+jwt``, OAuth errors, HTML pages), links from a created transaction
to its request object and result, and the inspector console. Checked by the schemathesis campaign in
``tests/fuzz``."""

from __future__ import annotations

from typing import Any

from websec.openapi import (
    form_body, html, json_body, json_ok, oauth, operation, path_param, query_param, redirect, response,
)

from . import presets as P

TOO_LARGE = "the body is larger than the endpoint's limit"
BUSY = {"Retry-After": "seconds"}
CREATED = {
    "type": "object", "required": ["request_uri", "transaction", "result_token"],
    "properties": {"request_uri": {"type": "string", "description": "openid4vp:// (the QR code)"},
                   "transaction": {"type": "string"}, "result_token": {"type": "string"},
                   "flow": {"enum": ["cross_device", "same_device"]}},
}
VIEW = {
    "type": "object", "required": ["transaction", "preset", "status", "expires_at"],
    "properties": {"transaction": {"type": "string"}, "preset": {"type": "string"},
                   "status": {"enum": ["pending", "done", "expired", "error", "awaiting_redirect"],
                              "description": "awaiting_redirect: a same-device check was answered; its decision "
                                             "is released only with the response_code (POST .../result)"},
                   "flow": {"enum": ["cross_device", "same_device"]}, "fetched": {"type": "boolean"},
                   "error": {"type": ["string", "null"]}, "expires_at": {"type": "integer"},
                   "decision": {"type": ["object", "null"]}},
}
TID = path_param("tid", description="the transaction id (public: it is in the QR code)")
LANG = query_param("lang", {"type": "string"}, "en or da")
BEARER = [{"bearer": []}, {}]


def _creation_refusals() -> dict[int, dict[str, Any]]:
    return {400: oauth("not JSON, or an unknown preset"),
            401: oauth("a token was sent and nobody holds it, or anonymous checks are switched off"),
            413: oauth(TOO_LARGE), 429: oauth("this client's quota or rate is used up", headers=BUSY),
            503: oauth("the anonymous pool or the store is full, or the shared store is unreachable", headers=BUSY)}


def paths() -> dict[str, Any]:
    created = json_ok("the new check: its openid4vp:// request URI, id and the creator's result token", CREATED)
    created["headers"] = {"Set-Cookie": {"schema": {"type": "string"},
                                         "description": "the result token, for the result URL only"}}
    created["links"] = {
        "GetResult": {"operationId": "getTransaction", "parameters": {"tid": "$response.body#/transaction"}},
        "GetRequestObject": {"operationId": "getRequestObject", "parameters": {"tid": "$response.body#/transaction"}},
        "ConsolePage": {"operationId": "consolePage", "parameters": {"token": "$response.body#/result_token"}},
    }
    preset_body = json_body({"type": "object", "properties": {
        "preset": {"enum": list(P.NAMES)},
        "flow": {"enum": ["cross_device", "same_device"],
                 "description": "same_device: the wallet is sent back with a response_code (OpenID4VP §8.2)"}}})
    preset_body["content"]["application/json"]["examples"] = {n: {"value": {"preset": n}} for n in P.NAMES}
    return {
        "/openid4vp/transactions": {"post": operation(
            "Start a check (an API client's token, the console token, or anonymous within a shared pool)",
            {200: created, **_creation_refusals()}, tags=["openid4vp"], body=preset_body, security=BEARER,
            operation_id="createTransaction")},
        "/openid4vp/transactions/{tid}": {"get": operation(
            "The check's state and decision, for its creator only",
            {200: json_ok("the check", VIEW), 401: oauth("no or another result token"),
             404: oauth("no such transaction"), 503: oauth("the shared store is unreachable", headers=BUSY)},
            tags=["openid4vp"], parameters=[TID], security=BEARER, operation_id="getTransaction")},
        "/openid4vp/transactions/{tid}/result": {"post": operation(
            "Same-device: the response_code from the redirect, in the session that started the check (its result "
            "token as bearer or cookie), releases the decision once (OpenID4VP §8.2, §13.3; HAIP §5.1)",
            {200: json_ok("the check with its decision, and the console page's path", VIEW),
             400: oauth("not JSON, no response_code, or a cross-device check"),
             401: oauth("not the session that started the check"),
             403: oauth("not this check's response_code"), 404: oauth("no such transaction"),
             409: oauth("no presentation yet, or the response_code was already used"), 413: oauth(TOO_LARGE),
             503: oauth("the shared store is unreachable", headers=BUSY)},
            tags=["openid4vp"], parameters=[TID], security=BEARER, operation_id="redeemResult",
            body=json_body({"type": "object", "properties": {"response_code": {"type": "string"}}}))},
        "/openid4vp/request/{tid}": {"get": operation(
            "The signed Request Object (RFC 9101 §5.2, OpenID4VP §5)",
            {200: response("the Request Object JWS", "application/oauth-authz-req+jwt", {"type": "string"}),
             400: oauth("the request cannot be given"), 404: oauth("no such transaction"),
             410: oauth("the check is over"), 503: oauth("the shared store is unreachable", headers=BUSY)},
            tags=["openid4vp"], parameters=[TID], operation_id="getRequestObject")},
        "/openid4vp/response": {"post": operation(
            "The wallet's Authorization Response, direct_post.jwt (OpenID4VP §8.3)",
            {200: json_ok("received (§8.2): {} cross-device, {\"redirect_uri\": ...#response_code=...} when a "
                          "same-device check was decided"),
             400: oauth("not a valid response (§8.5 error codes)"), 404: oauth("no such transaction"),
             410: oauth("the check is over"), 413: oauth(TOO_LARGE),
             503: oauth("the shared store is unreachable", headers=BUSY)},
            tags=["openid4vp"],
            body=form_body({"response": {"type": "string", "description": "the encrypted response (JWE)"},
                            "state": {"type": "string"}, "error": {"type": "string"},
                            "error_description": {"type": "string"}}))},
        "/health": {"get": operation(
            "Health, with the trust list's age",
            {200: json_ok("ok"), 503: oauth("the shared store is unreachable", headers=BUSY)}, tags=["operations"])},
        "/": {"get": operation("The console: choose what to check", {200: html("the page")},
                               tags=["console"], parameters=[LANG])},
        "/console/start": {"post": operation(
            "The console starts a check and goes to its page",
            {303: redirect("to the check's page (or back to the choice for an unknown preset)"),
             **{k: v for k, v in _creation_refusals().items() if k != 400}},
            tags=["console"], parameters=[LANG], security=BEARER,
            body=form_body({"preset": {"enum": list(P.NAMES)}, "flow": {"enum": ["same_device"]}}))},
        "/console/back/{tid}": {"get": operation(
            "The same-device landing page (the wallet's redirect_uri): its script brings the response_code back",
            {200: html("the page")}, tags=["console"], parameters=[TID, LANG])},
        "/static/back.js": {"get": operation("The landing page's script",
                                             {200: response("JavaScript", "text/javascript")}, tags=["console"])},
        "/static/console.js": {"get": operation("The console's script",
                                                {200: response("JavaScript", "text/javascript")}, tags=["console"])},
        "/console/t/{token}": {"get": operation(
            "A check's page: its QR code while pending, then the decision (the path is the creator's secret)",
            {200: html("the page"), 303: redirect("unknown: back to the choice"),
             503: oauth("the shared store is unreachable", headers=BUSY)},
            tags=["console"], parameters=[path_param("token"), LANG], operation_id="consolePage")},
        "/console/login": {"get": operation(
            "Exchange the console access token for a cookie",
            {303: redirect("to the records"), 401: html("wrong token")},
            tags=["console"], parameters=[query_param("token"), LANG])},
        "/console/records": {"get": operation(
            "Inspection records (no personal data), with the console token",
            {200: html("the records"), 401: html("the console token is needed")}, tags=["console"],
            parameters=[LANG], security=[{"consoleCookie": []}, {"bearer": []}])},
        "/static/console.css": {"get": operation("The console's style sheet", {200: response("CSS", "text/css")},
                                                 tags=["console"])},
    }


def describe(generated: dict[str, Any]) -> dict[str, Any]:
    doc = dict(generated)
    doc["openapi"] = "3.1.0"
    doc["paths"] = paths()
    doc["components"] = {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "an API client's token (esspass verifier add-client), the console token, or "
                                  "a check's result token"},
        "consoleCookie": {"type": "apiKey", "in": "cookie", "name": "esspass_console"},
    }}
    doc.setdefault("info", {})["description"] = "OpenID4VP 1.0 verifier of A1 and EHIC credentials, and its console."
    return doc
