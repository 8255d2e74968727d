"""Reason codes of the trust-list profile (shared/specs/trust-lists.md §3, §4, §5).

The codes are binding (other parties test against them); each has an English and a Danish message.
"""

from __future__ import annotations

from credential.reasons import Reason, Rejected, define

__all__ = ["Rejected", "Reason", "LIST_REASONS", "ISSUER_REASONS", "RP_REASONS"]

# §3 Validating a list
LIST_SIGNATURE = define(
    "list.signature",
    "The trust list's signature is not valid.",
    "Tillidslistens signatur er ikke gyldig.",
)
LIST_SIGNER = define(
    "list.signer",
    "The trust list is not signed by the trust-list operator we rely on.",
    "Tillidslisten er ikke signeret af den tillidslisteoperatør, vi stoler på.",
)
LIST_SCHEMA = define(
    "list.schema",
    "The trust list is not in the expected format or is the wrong kind of list.",
    "Tillidslisten har ikke det forventede format eller er den forkerte slags liste.",
)
LIST_EXPIRED = define(
    "list.expired",
    "The trust list is out of date: its next update time has passed.",
    "Tillidslisten er forældet: tidspunktet for næste opdatering er passeret.",
)
LIST_NOT_YET_VALID = define(
    "list.not_yet_valid",
    "The trust list is dated in the future.",
    "Tillidslisten er dateret ud i fremtiden.",
)
LIST_NEXT_UPDATE_TOO_FAR = define(
    "list.next_update_too_far",
    "The trust list claims to stay valid for more than six months.",
    "Tillidslisten påstår at være gyldig i mere end seks måneder.",
)
LIST_ROLLBACK = define(
    "list.rollback",
    "The trust list is older than one we already accepted, or conflicts with it.",
    "Tillidslisten er ældre end en, vi allerede har accepteret, eller er i modstrid med den.",
)
LIST_HISTORY = define(
    "list.history",
    "The trust list's service history is inconsistent.",
    "Tillidslistens historik for tjenesterne er inkonsistent.",
)
LIST_DUPLICATE_KEY = define(
    "list.duplicate_key",
    "The same key is listed for two services of the same kind.",
    "Den samme nøgle står på listen for to tjenester af samme slags.",
)
LIST_UNAVAILABLE = define(
    "list.unavailable",
    "No valid trust list is available, so nothing can be trusted.",
    "Der er ingen gyldig tillidsliste, så intet kan anses for betroet.",
)
LIST_REASONS = (
    LIST_SIGNATURE, LIST_SIGNER, LIST_SCHEMA, LIST_EXPIRED, LIST_NOT_YET_VALID,
    LIST_NEXT_UPDATE_TOO_FAR, LIST_ROLLBACK, LIST_HISTORY, LIST_DUPLICATE_KEY, LIST_UNAVAILABLE,
)

# §4 Issuers
ISSUER_UNTRUSTED = define(
    "issuer.untrusted",
    "The issuer's certificate does not lead to any trusted institution on the trust list.",
    "Udstederens certifikat fører ikke til nogen betroet institution på tillidslisten.",
)
ISSUER_NOT_YET_LISTED = define(
    "issuer.not_yet_listed",
    "The issuer was not yet on the trust list when the document was signed.",
    "Udstederen var endnu ikke på tillidslisten, da dokumentet blev signeret.",
)
ISSUER_WITHDRAWN_AT_SIGNING = define(
    "issuer.withdrawn_at_signing",
    "The issuer had been withdrawn from the trust list when the document was signed.",
    "Udstederen var trukket tilbage fra tillidslisten, da dokumentet blev signeret.",
)
ISSUER_WITHDRAWN = define(
    "issuer.withdrawn",
    "The issuer has since been withdrawn from the trust list.",
    "Udstederen er siden blevet trukket tilbage fra tillidslisten.",
)
ISSUER_TYPE_NOT_ALLOWED = define(
    "issuer.type_not_allowed",
    "The issuer is not allowed to issue this kind of document.",
    "Udstederen har ikke lov til at udstede denne type dokument.",
)
ISSUER_REASONS = (
    ISSUER_UNTRUSTED, ISSUER_NOT_YET_LISTED, ISSUER_WITHDRAWN_AT_SIGNING, ISSUER_WITHDRAWN,
    ISSUER_TYPE_NOT_ALLOWED,
)

# §5 Relying parties
RP_SIGNATURE = define(
    "rp.signature",
    "The request is not signed with a valid access certificate of a registered relying party.",
    "Anmodningen er ikke signeret med et gyldigt adgangscertifikat fra en registreret modtager.",
)
RP_CLIENT_ID = define(
    "rp.client_id",
    "The requester's identifier does not match its access certificate.",
    "Modtagerens identifikator passer ikke til dens adgangscertifikat.",
)
RP_REGISTRATION = define(
    "rp.registration",
    "The requester has no valid registration certificate.",
    "Modtageren har ikke et gyldigt registreringscertifikat.",
)
RP_OVER_ASKING = define(
    "rp.over_asking",
    "The requester asks for more information than it is registered for.",
    "Modtageren beder om flere oplysninger, end den er registreret til.",
)
RP_REASONS = (RP_SIGNATURE, RP_CLIENT_ID, RP_REGISTRATION, RP_OVER_ASKING)
