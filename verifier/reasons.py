"""The verifier's own reason codes, and the words of checks that passed.

Failure codes of the credential core (``sd.*``, ``kb.*``, ``vc.*``, ``status.*``) and of the trust lists
(``issuer.*``) are defined where they are raised; this module adds what only a verifier decides (the request,
the validity layers, the data it could not obtain) and, for every check, the sentence shown when it passed, so a
report lists every check made and says in plain words what was checked (ARCHITECTURE.md, "Principles").
"""

from __future__ import annotations

from credential.reasons import Reason, define
from credential.sd_jwt import R_KB_MISSING as KB_MISSING_BOUND  # noqa: F401 - re-exported for the policy

# ---------------------------------------------------------------- checks that passed (result "pass")

OK_INTACT = define(
    "sd.intact",
    "The issuer's signature is valid and every disclosed claim is one the issuer signed.",
    "Udstederens signatur er gyldig, og hver videregivet oplysning er en, som udstederen har signeret.",
)
OK_VC = define(
    "vc.well_formed",
    "The credential is a well-formed SD-JWT verifiable credential of a known type.",
    "Legitimationen er et korrekt opbygget SD-JWT-verificerbart bevis af en kendt type.",
)
OK_ISSUER = define(
    "issuer.trusted",
    "The issuer is on the trusted list of social-security institutions and may issue this type of document.",
    "Udstederen står på listen over betroede socialsikringsinstitutioner og må udstede denne type dokument.",
)
OK_KB = define(
    "kb.valid",
    "The person presenting holds the device key the credential was issued to, and the proof was made for this request.",
    "Den, der fremviser, har den enhedsnøgle, legitimationen blev udstedt til, og beviset er lavet til denne anmodning.",
)
OK_KB_PRESENT_UNCHECKED = define(
    "kb.present",
    "The holder's key-binding proof is valid (this check did not ask for a particular request).",
    "Indehaverens nøglebindingsbevis er gyldigt (denne kontrol bad ikke om en bestemt anmodning).",
)
KB_NOT_BOUND = define(
    "kb.not_bound",
    "This credential was shown without proof of a holder's device (for example a paper copy). "
    "Check the holder's identity document against the name and date of birth shown.",
    "Legitimationen blev vist uden bevis fra indehaverens enhed (f.eks. en papirkopi). "
    "Kontrollér indehaverens identitetsdokument mod det viste navn og fødselsdato.",
)
# kb.missing is the credential core's code (credential.sd_jwt.R_KB_MISSING); when the policy did not ask for key
# binding but the credential is bound to a device key (``cnf``), the check says that in its own words.
KB_MISSING_BOUND_WORDS = {
    "en": "This credential is bound to the holder's device, but the proof from that device (key binding) is "
          "missing, so it cannot be accepted as a paper copy. Ask the holder to present it from their wallet.",
    "da": "Legitimationen er bundet til indehaverens enhed, men beviset fra den enhed (nøglebinding) mangler, "
          "så den kan ikke godtages som en papirkopi. Bed indehaveren fremvise den fra sin tegnebog.",
}
OK_STATUS = define(
    "status.valid",
    "The issuer's status list says the credential has not been withdrawn or suspended.",
    "Udstederens statusliste siger, at legitimationen ikke er tilbagekaldt eller suspenderet.",
)
OK_NO_STATUS = define(
    "status.not_provided",
    "The credential has no status list reference, so the issuer cannot withdraw it; only its dates limit it.",
    "Legitimationen har ingen henvisning til en statusliste, så udstederen kan ikke tilbagekalde den; "
    "kun dens datoer begrænser den.",
)
OK_TECHNICAL = define(
    "validity.technical",
    "The credential's technical validity period (signing time and expiry) includes now.",
    "Legitimationens tekniske gyldighedsperiode (signeringstidspunkt og udløb) omfatter nu.",
)
OK_DOCUMENT = define(
    "validity.document",
    "The document is valid on the inspection date (between its date of issuance and date of expiry).",
    "Dokumentet er gyldigt på kontroldatoen (mellem udstedelsesdato og udløbsdato).",
)
OK_COVERAGE = define(
    "coverage.in_force",
    "The social-security coverage it attests is in force on the inspection date.",
    "Den socialsikringsdækning, det dokumenterer, gælder på kontroldatoen.",
)
OK_REQUEST_TYPE = define(
    "request.type",
    "The credential is of the type this check asks for.",
    "Legitimationen er af den type, som denne kontrol beder om.",
)
OK_REQUEST_CLAIMS = define(
    "request.claims",
    "Every piece of information this check needs was disclosed.",
    "Alle de oplysninger, som denne kontrol har brug for, blev videregivet.",
)

# ---------------------------------------------------------------- failures and unknowns the verifier decides

REQUEST_TYPE = define(
    "request.type_mismatch",
    "The credential is of another type than this check asks for (for example an EHIC where an A1 is needed).",
    "Legitimationen er af en anden type end den, denne kontrol beder om (f.eks. et EHIC, hvor der kræves et A1).",
)
REQUEST_CLAIMS = define(
    "request.claims_missing",
    "Information this check needs was not disclosed by the holder.",
    "Oplysninger, som denne kontrol har brug for, blev ikke videregivet af indehaveren.",
)
REQUEST_PRESET = define(
    "request.unknown_preset",
    "The kind of check asked for is not known to this verifier.",
    "Den ønskede type kontrol er ukendt for denne verifikator.",
)
ISSUER_LIST = define(
    "issuer.list_unavailable",
    "No valid, current list of trusted institutions is at hand, so the issuer could not be checked. "
    "This does NOT mean the credential is false.",
    "Der er ingen gyldig, aktuel liste over betroede institutioner, så udstederen kunne ikke kontrolleres. "
    "Det betyder IKKE, at legitimationen er falsk.",
)
STATUS_SIGNER = define(
    "status.signer_untrusted",
    "The status list was not signed by a revocation service of the credential's issuer, so the status is unknown.",
    "Statuslisten var ikke signeret af en tilbagekaldelsestjeneste hos legitimationens udsteder, så status er ukendt.",
)
STATUS_DEADLINE = define(
    "status.deadline",
    "The issuer's status list could not be obtained within the time allowed for one check, so it is unknown "
    "whether the credential has been withdrawn. This does NOT mean it has been. Try again later.",
    "Udstederens statusliste kunne ikke hentes inden for den tid, en kontrol må tage, så det vides ikke, om "
    "legitimationen er tilbagekaldt. Det betyder IKKE, at den er det. Prøv igen senere.",
)
DATE_MALFORMED = define(
    "validity.date_malformed",
    "A date in the credential is not a valid date (YYYY-MM-DD).",
    "En dato i legitimationen er ikke en gyldig dato (ÅÅÅÅ-MM-DD).",
)
try:  # the credential core owns the layer codes (credential/validity.py); reuse its words
    from credential.validity import R_COV_ENDED as COVERAGE_ENDED
    from credential.validity import R_COV_NOT_STARTED as COVERAGE_NOT_STARTED
    from credential.validity import R_DOC_EXPIRED as DOCUMENT_EXPIRED
    from credential.validity import R_DOC_NOT_YET as DOCUMENT_NOT_YET
except ImportError:  # pragma: no cover - only before credential/validity.py exists
    DOCUMENT_EXPIRED = define(
        "validity.document_expired",
        "The document's date of expiry has passed on the inspection date.",
        "Dokumentets udløbsdato er passeret på kontroldatoen.",
    )
    DOCUMENT_NOT_YET = define(
        "validity.document_not_yet_valid",
        "The document's date of issuance is after the inspection date.",
        "Dokumentets udstedelsesdato ligger efter kontroldatoen.",
    )
    COVERAGE_ENDED = define(
        "coverage.ended",
        "The coverage ended before the inspection date, although the credential itself may still be valid.",
        "Dækningen sluttede før kontroldatoen, selv om legitimationen i sig selv stadig kan være gyldig.",
    )
    COVERAGE_NOT_STARTED = define(
        "coverage.not_started",
        "The coverage starts after the inspection date.",
        "Dækningen begynder efter kontroldatoen.",
    )


def message(reason: Reason) -> dict[str, str]:
    return {"en": reason.en, "da": reason.da}
