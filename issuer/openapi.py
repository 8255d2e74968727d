"""The issuer's OpenAPI 3.1 description, complete and true (issue 14): every operation, its request
body (form or JSON, as the endpoint parses it itself), every status code and content type it answers
(``application/statuslist+jwt``, ``application/problem+json``, OAuth errors, HTML pages, PDF), and
links from a created case to the operations on it (for stateful testing). Checked by the schemathesis
campaign in ``tests/fuzz``: zero 5xx, zero answers outside this description."""

from __future__ import annotations

from typing import Any

from credential import types
from websec.openapi import (
    PROBLEM, form_body, header_param, html, json_body, json_ok, oauth, operation, path_param, problem, query_param,
    redirect, response,
)

from . import core

TOO_LARGE = "the body is larger than the limit (ESSPASS_MAX_BODY_BYTES)"
CASE_VIEW = {
    "type": "object",
    "required": ["case_id", "type", "configuration_id", "document_number", "offer_uri", "offer_uri_by_value",
                 "credential_offer_uri", "tx_code", "offer_expires_at"],
    "properties": {"case_id": {"type": "string"}, "type": {"enum": list(core.CONFIG_OF_TYPE)},
                   "configuration_id": {"type": "string"}, "document_number": {"type": "string"},
                   "offer_uri": {"type": "string"}, "offer_uri_by_value": {"type": "string"},
                   "credential_offer_uri": {"type": "string"}, "tx_code": {"type": ["string", "null"]},
                   "offer_expires_at": {"type": "integer"}},
}
CREDENTIAL_ROW = {
    "type": "object", "required": ["list_id", "idx", "status", "paper", "issued_at", "type"],
    "properties": {"list_id": {"type": "integer"}, "idx": {"type": "integer"},
                   "status": {"enum": ["VALID", "INVALID", "SUSPENDED"]}, "paper": {"type": "boolean"},
                   "holder_thumbprint": {"type": ["string", "null"]}, "issued_at": {"type": "integer"},
                   "type": {"type": "string"}},
}
CASE_WITH_CREDENTIALS = {**CASE_VIEW, "properties": {**CASE_VIEW["properties"],
                                                     "credentials": {"type": "array", "items": CREDENTIAL_ROW}}}
STATUS_RESULT = {
    "type": "object", "required": ["document_number", "status", "credentials", "status_lists"],
    "properties": {"document_number": {"type": "string"}, "status": {"enum": ["VALID", "INVALID", "SUSPENDED"]},
                   "credentials": {"type": "integer"}, "status_lists": {"type": "array", "items": {"type": "string"}}},
}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A claims schema (draft 2020-12, with ``$defs``) as a self-contained subschema for OpenAPI 3.1:
    its local references replaced by copies of what they name (the schemas are not recursive)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.rsplit("/", 1)[1]])
            return {k: walk(v) for k, v in node.items() if k not in ("$schema", "$id", "$defs")}
        if isinstance(node, list):
            return [walk(x) for x in node]
        return node

    return walk(schema)


def _case_request() -> dict[str, Any]:
    """The case API's body: the type and its user claims (the claims' own JSON Schema per type)."""
    branches = []
    for key in core.CONFIG_OF_TYPE:
        branches.append({"type": "object", "required": ["type", "claims"], "additionalProperties": False,
                         "properties": {"type": {"const": key}, "claims": _inline(types.get_type(key).schema),
                                        "tx_code": {"type": "boolean", "default": True},
                                        "client_request_id": {"type": ["string", "null"], "maxLength": 100}}})
    return {"oneOf": branches}


def _case_examples() -> dict[str, Any]:
    return {key: {"value": {"type": key, "claims": types.sample_claims(key), "tx_code": True}}
            for key in core.CONFIG_OF_TYPE}


API_ERRORS = {401: problem("no, an unknown or a revoked API token (RFC 6750 §3.1)",
                           headers={"WWW-Authenticate": "Bearer challenge"}),
              403: problem("the token lacks this route's scope (insufficient_scope)",
                           headers={"WWW-Authenticate": "Bearer challenge"}),
              422: problem("a path or query parameter has the wrong form")}
BODY_ERRORS = {400: problem("not JSON, or nested too deeply"), 413: problem(TOO_LARGE),
               415: problem("the body is not application/json"), 422: problem("the body has the wrong shape")}
CASE_ID = path_param("case_id", description="the case id returned by POST /api/v1/cases")
DOCUMENT = path_param("document_number")
BEARER = [{"apiToken": []}]
BACKOFFICE = ["back office"]
SESSION = [{"session": []}]
HTML_422 = problem("a query parameter has the wrong form")
FORM_422 = {"description": "fields to correct, shown in the form (HTML); or a malformed query (problem+json)",
            "content": {"text/html": {"schema": {"type": "string"}}, **problem("")["content"]}}


def _case_links() -> dict[str, Any]:
    case_id = {"case_id": "$response.body#/case_id"}
    doc = {"document_number": "$response.body#/document_number"}
    return {"GetCase": {"operationId": "getCase", "parameters": case_id},
            "Reoffer": {"operationId": "reoffer", "parameters": case_id},
            "Paper": {"operationId": "paperCopy", "parameters": case_id},
            "GetDocument": {"operationId": "getDocument", "parameters": doc},
            "SetStatus": {"operationId": "setStatus", "parameters": doc}}


def paths() -> dict[str, Any]:
    status_list_id = path_param("list_id", {"type": "integer"}, "the Status List's number (1, 2, ...)")
    metadata = ["metadata"]
    vci = ["openid4vci"]
    created = response("the case with its first offer", "application/json", CASE_VIEW)
    created["links"] = _case_links()
    case_body = json_body(_case_request())
    case_body["content"]["application/json"]["examples"] = _case_examples()
    status_body = json_body({"type": "object", "required": ["reason"], "additionalProperties": False,
                             "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}}})
    status_body["content"]["application/json"]["examples"] = {"reason": {"value": {"reason": "checked by phone"}}}
    return {
        "/.well-known/openid-credential-issuer": {"get": operation(
            "Credential Issuer Metadata (OpenID4VCI §12.2)", {200: json_ok("the metadata")}, tags=metadata)},
        "/.well-known/oauth-authorization-server": {"get": operation(
            "Authorization Server Metadata (RFC 8414, OpenID4VCI §12.3)", {200: json_ok("the metadata")},
            tags=metadata)},
        "/.well-known/jwt-vc-issuer": {"get": operation(
            "SD-JWT VC issuer metadata: the signing key", {200: json_ok("the metadata")}, tags=metadata)},
        "/type-metadata/{key}": {"get": operation(
            "SD-JWT VC Type Metadata", {200: json_ok("the type metadata"), 404: problem("no such type")},
            tags=metadata, parameters=[path_param("key", {"type": "string"}, "pda1 or ehic")])},
        "/credential-offer/{offer_id}": {"get": operation(
            "Credential Offer by reference (OpenID4VCI §4.1.3)",
            {200: json_ok("the offer"), 404: oauth("unknown, used or expired offer")},
            tags=vci, parameters=[path_param("offer_id")])},
        "/token": {"post": operation(
            "Token endpoint, pre-authorized code grant (OpenID4VCI §6; DPoP per RFC 9449 §5); with a DPoP proof also "
            "a DPoP-bound refresh_token, redeemed with grant_type refresh_token (RFC 6749 §6) for new copies",
            {200: json_ok("an access token", {"type": "object",
                                              "required": ["access_token", "token_type", "expires_in"],
                                              "properties": {"access_token": {"type": "string"},
                                                             "token_type": {"enum": ["Bearer", "DPoP"]},
                                                             "expires_in": {"type": "integer"},
                                                             "refresh_token": {"type": "string"}}}),
             400: oauth("OAuth error (§6.3): invalid_request, invalid_grant, unsupported_grant_type, "
                        "invalid_dpop_proof; a wrong tx_code counts an attempt"),
             401: oauth("invalid_client: the wallet attestation or its PoP was refused (member reason)"),
             413: oauth(TOO_LARGE)},
            tags=vci, parameters=[header_param("DPoP", "a DPoP proof JWT (RFC 9449 §4)"),
                                  header_param("OAuth-Client-Attestation", "a Wallet Instance Attestation (draft-ietf-oauth-attestation-based-"
                                              "client-auth §5.1; HAIP 1.0 §4.4.1)"),
                           header_param("OAuth-Client-Attestation-PoP", "its proof of possession (§5.2)")],
            body=form_body({"grant_type": {"enum": [core.PRE_AUTH_GRANT, "refresh_token"]},
                            "pre-authorized_code": {"type": "string"}, "refresh_token": {"type": "string"},
                            "tx_code": {"type": "string", "description": "the Transaction Code (§6.1)"}},
                           ["grant_type"]))},
        "/nonce": {"post": operation(
            "Nonce endpoint (OpenID4VCI §7)",
            {200: json_ok("a fresh c_nonce", {"type": "object", "required": ["c_nonce"],
                                              "properties": {"c_nonce": {"type": "string"}}}),
             401: oauth("an Authorization header was sent and is not valid",
                        headers={"WWW-Authenticate": "Bearer or DPoP challenge"}),
             429: oauth("too many nonces requested; try again later", headers={"Retry-After": "seconds"})},
            tags=vci, parameters=[header_param("Authorization"), header_param("DPoP")])},
        "/credential": {"post": operation(
            "Credential endpoint (OpenID4VCI §8): one credential per key proof",
            {200: json_ok("the credentials", {"type": "object", "required": ["credentials"],
                                              "properties": {"credentials": {"type": "array", "items": {
                                                  "type": "object", "required": ["credential"],
                                                  "properties": {"credential": {"type": "string"}}}}}}),
             400: oauth("OAuth error (§8.3.1.2): invalid_credential_request, invalid_proof, invalid_nonce, "
                        "credential_request_denied, ..."),
             401: oauth("no, an unknown, used or expired access token, or a bad DPoP proof (RFC 6750 §3.1, "
                        "RFC 9449 §7.1)", headers={"WWW-Authenticate": "Bearer or DPoP challenge"}),
             413: oauth(TOO_LARGE)},
            tags=vci, parameters=[header_param("Authorization", "Bearer <token> or DPoP <token>"),
                                  header_param("DPoP")],
            body=json_body({"type": "object", "required": ["credential_configuration_id", "proofs"],
                            "properties": {"credential_configuration_id": {"enum": list(core.CONFIGURATIONS)},
                                           "proofs": {"type": "object", "minProperties": 1, "maxProperties": 1,
                                                      "description": "jwt (F.1, optionally with a key_attestation "
                                                                     "header) or attestation (F.3, one key "
                                                                     "attestation)",
                                                      "properties": {"jwt": {"type": "array", "minItems": 1,
                                                                             "items": {"type": "string"}},
                                                                     "attestation": {"type": "array", "minItems": 1,
                                                                                     "maxItems": 1,
                                                                                     "items": {"type": "string"}}}}}}))},
        "/status/{list_id}": {"get": operation(
            "Status List Token (draft-ietf-oauth-status-list §5, §8)",
            {200: response("the signed Status List Token", "application/statuslist+jwt", {"type": "string"},
                           headers={"ETag": "entity tag", "Cache-Control": "max-age up to the list's ttl"}),
             304: response("not modified (If-None-Match)"),
             404: problem("no such status list"), 422: problem("list_id is not a number")},
            tags=["status"], parameters=[status_list_id, header_param("If-None-Match")])},
        "/paper-copy": {"post": operation(
            "The holder's paper copy (issue 15): the wallet's access token (DPoP-bound, with a proof for this URL, "
            "RFC 9449 §7.1), as at the credential endpoint; a PDF with the credential as a QR code",
            {200: response("the PDF", "application/pdf", {"type": "string", "format": "binary"}),
             401: oauth("no, an unknown or expired access token, or a bad DPoP proof",
                        headers={"WWW-Authenticate": "Bearer or DPoP challenge"}),
             409: problem("the document is revoked or suspended")},
            tags=vci, parameters=[header_param("Authorization", "DPoP <token>"), header_param("DPoP")])},
        "/healthz": {"get": operation("Liveness", {200: json_ok("ok")}, tags=["operations"])},
        **_authorization_code(),
        # ---- case API
        "/api/v1/cases": {"post": operation(
            "Create a case and its first credential offer (scope create)",
            {201: created, **API_ERRORS, **BODY_ERRORS,
             409: problem("a revoked document number, or an idempotency key reused with another body")},
            tags=["case API"], body=case_body, security=BEARER, operation_id="createCase",
            parameters=[header_param("Idempotency-Key", "same as client_request_id (at most 100 characters)")])},
        "/api/v1/cases/{case_id}": {"get": operation(
            "A case with its credentials (scope read)",
            {200: json_ok("the case", CASE_WITH_CREDENTIALS), 404: problem("no such case"), **API_ERRORS},
            tags=["case API"], parameters=[CASE_ID], security=BEARER, operation_id="getCase")},
        "/api/v1/cases/{case_id}/offer": {"post": operation(
            "A new credential offer for the case (scope create)",
            {200: json_ok("the case with its new offer", CASE_VIEW), 404: problem("no such case"), **API_ERRORS,
             413: problem(TOO_LARGE)},
            tags=["case API"], parameters=[CASE_ID], security=BEARER, operation_id="reoffer")},
        "/api/v1/cases/{case_id}/paper.pdf": {"get": operation(
            "A paper copy: a credential without key binding, printed with its QR code (scope paper)",
            {200: response("the PDF", "application/pdf", {"type": "string", "format": "binary"}),
             404: problem("no such case"), **API_ERRORS},
            tags=["case API"], parameters=[CASE_ID], security=BEARER, operation_id="paperCopy")},
        "/api/v1/cases/{case_id}/device-lost": {"post": operation(
            "The holder reports their phone lost: every wallet credential of the holder (all cases with the same "
            "personal number) is revoked, their refresh tokens withdrawn; the document stays valid and a new offer "
            "can be made (scope status)",
            {200: json_ok("what was revoked", {"type": "object", "properties": {
                "cases": {"type": "array", "items": {"type": "string"}},
                "documents": {"type": "array", "items": {"type": "string"}},
                "credentials_revoked": {"type": "integer"}, "refresh_tokens_revoked": {"type": "integer"},
                "status_lists": {"type": "array", "items": {"type": "string"}}}}),
             404: problem("no such case"), **API_ERRORS, **BODY_ERRORS},
            tags=["case API"], body=status_body, security=BEARER, operation_id="deviceLost",
            parameters=[CASE_ID])},
        "/api/v1/documents/{document_number}": {"get": operation(
            "The credentials issued for a document number (scope read)",
            {200: json_ok("the credentials", {"type": "object", "required": ["document_number", "credentials"],
                                              "properties": {"document_number": {"type": "string"},
                                                             "credentials": {"type": "array",
                                                                             "items": CREDENTIAL_ROW}}}),
             404: problem("no credential was issued for this document number"), **API_ERRORS},
            tags=["case API"], parameters=[DOCUMENT], security=BEARER, operation_id="getDocument")},
        "/api/v1/document-status/{document_number}": {"get": operation(
            "Whether a document number is valid, suspended or revoked, and where the issuer's signed status lists say "
            "so; nothing personal (scope lookup: the inspector app's manual entry, issue 15)",
            {200: json_ok("the status and the status list references", {
                "type": "object", "required": ["document_number", "status", "references"],
                "properties": {"document_number": {"type": "string"},
                               "status": {"enum": ["VALID", "SUSPENDED", "INVALID"]},
                               "references": {"type": "array", "items": {
                                   "type": "object", "required": ["uri", "idx"],
                                   "properties": {"uri": {"type": "string"}, "idx": {"type": "integer"}}}}}}),
             404: problem("no credential was issued for this document number"),
             **API_ERRORS, 422: problem("the document number is longer than 100 characters")},
            tags=["case API"], parameters=[DOCUMENT], security=BEARER, operation_id="getDocumentStatus")},
        "/api/v1/documents/{document_number}/{action}": {"post": operation(
            "Revoke, suspend or reinstate every credential of a document (scope status)",
            {200: json_ok("the new status and the republished lists", STATUS_RESULT),
             404: problem("no credential for this document number, or an unknown action"),
             409: problem("a revoked credential cannot change; only a suspended one can be reinstated"),
             **API_ERRORS, **BODY_ERRORS},
            tags=["case API"], body=status_body, security=BEARER, operation_id="setStatus",
            parameters=[DOCUMENT, path_param("action", {"enum": ["revoke", "suspend", "reinstate"]})])},
        **_backoffice(),
    }


def _authorization_code() -> dict[str, Any]:
    """The authorization code flow (OpenID4VCI §5, RFC 9126 pushed requests): the wallet pushes its
    request, the citizen logs in (an upstream OpenID Connect provider, or the demo login)."""
    nonce = {"DPoP-Nonce": "a DPoP nonce for the next proof (RFC 9449 §8)"}
    page = html("a page for the citizen: the demo login, a question, or why the request cannot go on")
    return {
        "/par": {"post": operation(
            "Pushed Authorization Request (RFC 9126 §2)",
            {201: response("the request_uri to send the citizen's browser to /authorize with", "application/json",
                           {"type": "object", "required": ["request_uri", "expires_in"],
                            "properties": {"request_uri": {"type": "string"}, "expires_in": {"type": "integer"}}},
                           headers=nonce),
             400: oauth("OAuth error (RFC 9126 §2.3): invalid_request, invalid_client, invalid_scope, "
                        "use_dpop_nonce, invalid_dpop_proof, ...", headers=nonce),
             401: oauth("invalid_client: the wallet attestation or its PoP was refused (member reason)",
                        headers=nonce), 413: oauth(TOO_LARGE)},
            tags=["openid4vci"], parameters=[header_param("DPoP"),
                                             header_param("OAuth-Client-Attestation", "a Wallet Instance Attestation (draft-ietf-oauth-attestation-based-"
                                              "client-auth §5.1; HAIP 1.0 §4.4.1)"),
                           header_param("OAuth-Client-Attestation-PoP", "its proof of possession (§5.2)")],
            body=form_body({"client_id": {"type": "string"}, "response_type": {"type": "string", "const": "code"},
                            "redirect_uri": {"type": "string"}, "scope": {"type": "string"},
                            "state": {"type": "string"}, "code_challenge": {"type": "string"},
                            "code_challenge_method": {"type": "string", "const": "S256"},
                            "authorization_details": {"type": "string"}, "issuer_state": {"type": "string"}},
                           ["client_id", "response_type"]))},
        "/authorize": {"get": operation(
            "Authorization endpoint (OpenID4VCI §5.1, RFC 9126 §4): the citizen's login starts here",
            {200: page, 303: redirect("to the login provider, or back to the wallet"),
             400: html("the pushed request is unknown, used or expired"),
             502: html("the login provider cannot be reached")},
            tags=["openid4vci"], parameters=[query_param("client_id"), query_param("request_uri"),
                                             query_param("lang")])},
        "/authorize/callback": {"get": operation(
            "The login provider's answer (OpenID Connect Core §3.1.2.5)",
            {200: page, 303: redirect("back to the wallet with the code"), 400: html("the login failed")},
            tags=["openid4vci"], parameters=[query_param("state"), query_param("code"), query_param("lang")])},
        "/authorize/demo": {"get": operation(
            "The demo login page of the login in progress in this browser (its cookie), again: the language picker",
            {200: page, 400: html("no login is in progress in this browser, or no demo login is configured")},
            tags=["openid4vci"], parameters=[query_param("lang")]), "post": operation(
            "The demo login (demo mode only): the citizen picks who they are",
            {200: page, 303: redirect("back to the wallet with the code"), 400: html("the login failed"),
             413: response(TOO_LARGE, "application/json"), 422: problem("a field is missing or too long")},
            tags=["openid4vci"], parameters=[query_param("lang")],
            body=form_body({"personal_number": {"type": "string", "maxLength": 100},
                            "check": {"type": "string", "maxLength": 100}}, ["personal_number", "check"]))},
    }


def _backoffice() -> dict[str, Any]:
    """The officers' web pages (HTML forms; a session cookie and a CSRF token in every form)."""
    lang = query_param("lang", {"type": "string"}, "en or da (remembered in a cookie)")
    csrf = {"csrf": {"type": "string", "description": "the CSRF token of the page's form"}}
    form_errors = {403: html("the CSRF token is missing or wrong, or the role does not allow this"),
                   413: response(TOO_LARGE, "application/json"), 422: HTML_422}
    case_id = path_param("case_id")
    login_refusals = {401: html("wrong user name or password"), 403: html("the login form's CSRF token is wrong"),
                      429: response("too many failures from this address: wait (growing delays)", "text/html",
                                    headers={"Retry-After": "seconds"}),
                      413: response(TOO_LARGE, "application/json"), 422: HTML_422}
    from .backoffice import FIELDS  # noqa: PLC0415 - the form's fields, named by their claim paths

    fields = {path: {"type": "string"} for path, _ in FIELDS["pda1"]}
    return {
        "/backoffice/login": {
            "get": operation("The login form", {200: html("the form"), 422: HTML_422}, tags=BACKOFFICE,
                             parameters=[lang]),
            "post": operation("Log in: a server-side session (cookie)",
                              {303: redirect("logged in: to the case list"), **login_refusals}, tags=BACKOFFICE,
                              parameters=[lang],
                              body=form_body({"username": {"type": "string"}, "password": {"type": "string"},
                                              **csrf}))},
        "/backoffice/logout": {"post": operation(
            "Log out: the session ends on the server", {303: redirect("to the login form"), **form_errors},
            tags=BACKOFFICE, body=form_body(csrf), security=SESSION, parameters=[lang])},
        "/backoffice/": {"get": operation(
            "The case list and search", {200: html("the list"), 303: redirect("not logged in"), 422: HTML_422},
            tags=BACKOFFICE, security=SESSION, parameters=[lang, query_param("q", description="document number")])},
        "/backoffice/cases/new/{type_key}": {
            "get": operation("The new-case form", {200: html("the form"), 303: redirect("not logged in"),
                                                   404: html("no such type"), 422: HTML_422},
                             tags=BACKOFFICE, security=SESSION,
                             parameters=[path_param("type_key"), lang,
                                         query_param("demo", {"type": "integer"}, "1: fill in demo data")]),
            "post": operation("Create a case from the form",
                              {303: redirect("created: to the case page, or not logged in"),
                               404: html("no such type"), 409: html("a revoked document number"),
                               **form_errors, 422: FORM_422},
                              tags=BACKOFFICE, security=SESSION, parameters=[path_param("type_key"), lang],
                              body=form_body({**csrf, **fields, "with_tx_code": {"type": "string"}},
                                             ["csrf"]))},
        "/backoffice/cases/{case_id}": {"get": operation(
            "A case: its offer QR code and credentials",
            {200: html("the case"), 303: redirect("not logged in"), 404: html("no such case"), 422: HTML_422},
            tags=BACKOFFICE, security=SESSION, parameters=[case_id, lang])},
        "/backoffice/cases/{case_id}/offer": {"post": operation(
            "A new offer", {303: redirect("to the case page, or not logged in"), 404: html("no such case"),
                            **form_errors},
            tags=BACKOFFICE, security=SESSION, parameters=[case_id, lang], body=form_body(csrf, ["csrf"]))},
        "/backoffice/cases/{case_id}/paper": {"post": operation(
            "A paper copy (PDF)", {200: response("the PDF", "application/pdf", {"type": "string", "format": "binary"}),
                                   303: redirect("not logged in"), 404: html("no such case"), **form_errors},
            tags=BACKOFFICE, security=SESSION, parameters=[case_id, lang], body=form_body(csrf, ["csrf"]))},
        "/backoffice/cases/{case_id}/status/{action}": {"post": operation(
            "Revoke (admin), suspend or reinstate the case's credentials",
            {303: redirect("to the case page, or not logged in"), 404: html("no such case or action"),
             409: html("this change is not possible now"), **form_errors},
            tags=BACKOFFICE, security=SESSION, parameters=[case_id, path_param("action"), lang],
            body=form_body({**csrf, "reason": {"type": "string"}}, ["csrf"]))},
        "/backoffice/audit": {"get": operation(
            "The audit log (admin)", {200: html("the log"), 303: redirect("not logged in"),
                                      403: html("the role does not allow this"), 422: HTML_422},
            tags=BACKOFFICE, security=SESSION, parameters=[lang])},
        "/backoffice/cases/{case_id}/device-lost": {"post": operation(
            "The holder lost the phone: revoke its wallet copies for good (the document stays valid); "
            "only with the confirmation box ticked (confirm=yes)",
            {303: redirect("to the case page, or not logged in"), 400: html("the confirmation box was not ticked"),
             404: html("no such case"), **form_errors},
            tags=BACKOFFICE, security=SESSION, parameters=[case_id, lang],
            body=form_body({**csrf, "confirm": {"type": "string", "enum": ["yes"]}, "reason": {"type": "string"}},
                           ["csrf"]))},
        "/backoffice/users": {
            "get": operation("The users and their roles (admin)",
                             {200: html("the users"), 303: redirect("not logged in"),
                              403: html("the role does not allow this"), 422: HTML_422},
                             tags=BACKOFFICE, security=SESSION, parameters=[lang]),
            "post": operation("Create a user (admin)",
                              {201: html("created"), 303: redirect("not logged in"),
                               409: html("the user name is taken"), **form_errors, 422: FORM_422},
                              tags=BACKOFFICE, security=SESSION, parameters=[lang],
                              body=form_body({**csrf, "username": {"type": "string"}, "password": {"type": "string"},
                                              "role": {"type": "string", "enum": ["officer", "admin"]}},
                                             ["csrf"]))},
        "/backoffice/users/{username}/{change}": {"post": operation(
            "Disable or enable a user, or change the role (admin; not one's own account)",
            {303: redirect("to the users page, or not logged in"), 404: html("no such user or change"),
             409: html("one's own account, the last admin, or an unknown role"), **form_errors},
            tags=BACKOFFICE, security=SESSION,
            parameters=[path_param("username"),
                        path_param("change", {"type": "string", "enum": ["disable", "enable", "role"]}), lang],
            body=form_body({**csrf, "role": {"type": "string", "enum": ["officer", "admin"]}}, ["csrf"]))},
        "/backoffice/static/{name}": {"get": operation(
            "The pages' style sheet and script (script-src 'self': the pages have no inline script)",
            {200: {"description": "CSS or JavaScript",
                   "content": {"text/css": {"schema": {"type": "string"}},
                               "text/javascript": {"schema": {"type": "string"}}}},
             404: response("no such file")},
            tags=BACKOFFICE, parameters=[path_param("name", {"type": "string",
                                                             "enum": ["style.css", "backoffice.js"]})])},
    }


def describe(generated: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's generated document with the hand-written paths and the security schemes."""
    doc = dict(generated)
    doc["openapi"] = "3.1.0"
    doc["paths"] = paths()
    components = dict(doc.get("components") or {})
    components["securitySchemes"] = {
        "apiToken": {"type": "http", "scheme": "bearer",
                     "description": "a case-API token with scopes create, read, status, paper "
                                    "(esspass issuer token create)"},
        "session": {"type": "apiKey", "in": "cookie", "name": "esspass_issuer_session",
                    "description": "a back-office session (POST /backoffice/login)"},
    }
    components.pop("schemas", None)  # every schema is inline above
    doc["components"] = components
    doc.setdefault("info", {})["description"] = (
        "OpenID4VCI 1.0 issuer of A1 and EHIC credentials (SD-JWT VC), Token Status Lists, the case API "
        f"(errors {PROBLEM}, RFC 9457) and the back office.")
    return doc
