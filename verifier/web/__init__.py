"""Inspector console: server-rendered Jinja pages that work in a phone's browser (en/da)."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"

TEXT = {
    "en": {
        "title": "ESSPASS inspection",
        "choose": "What do you want to check?",
        "scan": "Ask the holder to scan this code with their wallet",
        "open_link": "Open in a wallet on this device",
        "waiting": "Waiting for the holder's answer…",
        "expired": "This request has expired. Start a new check.",
        "declined": "The holder declined or the wallet reported an error",
        "attempts": "Answers that were not accepted — the check stays open for the holder's wallet",
        "attempt_error": "A wallet reported an error or that the holder declined",
        "attempt_refused": "Not accepted",
        "PASSED": "Valid",
        "FAILED": "Not valid",
        "INDETERMINATE": "Could not be fully checked",
        "PASSED_hint": "Every check passed.",
        "FAILED_hint": "Do not accept this document. The reasons are below.",
        "INDETERMINATE_hint": "Something could not be checked (see below). It has NOT been found false or revoked.",
        "issuer": "Issued by",
        "type": "Document",
        "claims": "Disclosed information",
        "checks": "What was checked",
        "validity": "Validity",
        "technical": "Technical validity",
        "document": "Document validity",
        "coverage": "Coverage",
        "data_age": "Age of the data used",
        "trust_list": "Trusted list",
        "status_list": "Status list",
        "seconds": "s",
        "new": "New check",
        "records": "Inspection records",
        "records_note": "Only decision, check type, time, issuer and check codes are kept; no personal data.",
        "PASSED_paper_hint": "Every check passed, but this is a copy without proof of the holder's device (for "
                             "example a paper copy): check the holder's identity document against the name and date "
                             "of birth shown before you accept it.",
        "records_login": "The inspection records are for this console's operator. Open the console link that "
                         "`esspass verifier serve` printed.",
        "col_status": "status", "col_from": "from", "col_until": "until", "col_claim": "claim", "col_value": "value",
        "col_code": "code", "col_result": "result",
        "pass": "passed", "fail": "failed", "unknown": "could not be checked",
        "not_disclosed": "not asked for", "valid": "valid", "in_force": "in force", "expired_s": "expired",
        "ended": "ended", "not_started": "not started", "not_yet_valid": "not yet valid", "malformed": "unreadable",
    },
    "da": {
        "title": "ESSPASS kontrol",
        "choose": "Hvad vil du kontrollere?",
        "scan": "Bed indehaveren scanne denne kode med sin tegnebog",
        "open_link": "Åbn i en tegnebog på denne enhed",
        "waiting": "Venter på indehaverens svar…",
        "expired": "Anmodningen er udløbet. Start en ny kontrol.",
        "declined": "Indehaveren afviste, eller tegnebogen meldte en fejl",
        "attempts": "Svar, der ikke blev godtaget — kontrollen står åben for indehaverens tegnebog",
        "attempt_error": "En tegnebog meldte en fejl, eller at indehaveren afviste",
        "attempt_refused": "Ikke godtaget",
        "PASSED": "Gyldig",
        "FAILED": "Ikke gyldig",
        "INDETERMINATE": "Kunne ikke kontrolleres fuldt ud",
        "PASSED_hint": "Alle kontroller bestod.",
        "FAILED_hint": "Acceptér ikke dette dokument. Årsagerne står nedenfor.",
        "INDETERMINATE_hint": "Noget kunne ikke kontrolleres (se nedenfor). Det er IKKE fundet falsk eller tilbagekaldt.",
        "issuer": "Udstedt af",
        "type": "Dokument",
        "claims": "Videregivne oplysninger",
        "checks": "Hvad der blev kontrolleret",
        "validity": "Gyldighed",
        "technical": "Teknisk gyldighed",
        "document": "Dokumentets gyldighed",
        "coverage": "Dækning",
        "data_age": "Alder på de anvendte data",
        "trust_list": "Tillidsliste",
        "status_list": "Statusliste",
        "seconds": "s",
        "new": "Ny kontrol",
        "records": "Kontrolregistreringer",
        "records_note": "Kun afgørelse, kontroltype, tidspunkt, udsteder og kontrolkoder gemmes; ingen personoplysninger.",
        "PASSED_paper_hint": "Alle kontroller bestod, men dette er en kopi uden bevis fra indehaverens enhed "
                             "(f.eks. en papirkopi): kontrollér indehaverens identitetsdokument mod det viste navn "
                             "og fødselsdato, før du godtager den.",
        "records_login": "Kontrolregistreringerne er for denne konsols operatør. Åbn det konsollink, som "
                         "`esspass verifier serve` udskrev.",
        "col_status": "status", "col_from": "fra", "col_until": "til", "col_claim": "oplysning", "col_value": "værdi",
        "col_code": "kode", "col_result": "resultat",
        "pass": "bestået", "fail": "ikke bestået", "unknown": "kunne ikke kontrolleres",
        "not_disclosed": "ikke anmodet", "valid": "gyldig", "in_force": "gælder", "expired_s": "udløbet",
        "ended": "ophørt", "not_started": "ikke begyndt", "not_yet_valid": "endnu ikke gyldig",
        "malformed": "ulæselig",
    },
}


def text(lang: str) -> dict[str, str]:
    return TEXT.get(lang, TEXT["en"])


def headline_hint(decision: dict, lang: str) -> str:
    """The sentence under the big result word. A PASSED paper copy (``kb.not_bound``: no proof of a holder's
    device) does not say just "every check passed": the inspector must still check an identity document."""
    t = text(lang)
    result = decision.get("result", "")
    codes = {c.get("code") for c in decision.get("checks") or [] if isinstance(c, dict)}
    if result == "PASSED" and "kb.not_bound" in codes:
        return t["PASSED_paper_hint"]
    return t.get(f"{result}_hint", "")
