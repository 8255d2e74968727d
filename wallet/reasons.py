"""Reason codes of the wallet: every refusal the wallet shows has a stable code and a message in
English and Danish (ARCHITECTURE.md, "Principles"). Trust decisions reuse the trust-list codes
(``issuer.*``, ``rp.*``, ``list.*``) and credential codes (``sd.*``, ``vc.*``) as they are.
"""

from __future__ import annotations

from credential.reasons import Reason, Rejected, define

__all__ = ["Reason", "Rejected"]

PIN_FORMAT = define(
    "wallet.pin_format",
    "The PIN must be 6 to 12 digits.",
    "Pinkoden skal være 6 til 12 cifre.",
)
PIN_WRONG = define(
    "wallet.pin_wrong",
    "Wrong PIN.",
    "Forkert pinkode.",
)
PIN_DELAY = define(
    "wallet.pin_delay",
    "Too many wrong PINs: wait before you try again.",
    "For mange forkerte pinkoder: vent, før du prøver igen.",
)
PIN_LOCKED = define(
    "wallet.locked",
    "The wallet is locked for good after too many wrong PINs. Erase it and receive your credentials again.",
    "Tegnebogen er låst permanent efter for mange forkerte pinkoder. Slet den, og modtag dine beviser igen.",
)
NOT_SET_UP = define(
    "wallet.not_set_up",
    "This wallet has not been set up yet.",
    "Denne tegnebog er ikke sat op endnu.",
)
ALREADY_SET_UP = define(
    "wallet.already_set_up",
    "A wallet already exists here.",
    "Der findes allerede en tegnebog her.",
)
TAMPERED = define(
    "wallet.tampered",
    "The wallet's stored data has been changed outside the app and cannot be trusted. Erase the wallet and receive your credentials again.",
    "Tegnebogens gemte data er blevet ændret uden for appen og kan ikke stoles på. Slet tegnebogen, og modtag dine beviser igen.",
)
OFFER_INVALID = define(
    "wallet.offer_invalid",
    "This is not a valid credential offer.",
    "Dette er ikke et gyldigt tilbud om et bevis.",
)
ISSUER_METADATA = define(
    "wallet.issuer_metadata",
    "The issuer's description (metadata) could not be read.",
    "Udstederens beskrivelse (metadata) kunne ikke læses.",
)
TX_CODE_REQUIRED = define(
    "wallet.tx_code_required",
    "This offer needs the code the issuer sent you on another channel (e.g. by letter or SMS).",
    "Dette tilbud kræver den kode, som udstederen har sendt dig på en anden måde (f.eks. brev eller sms).",
)
TX_CODE_WRONG = define(
    "wallet.tx_code_wrong",
    "The issuer did not accept the code: it is not the one in your letter or SMS. Check it and try again.",
    "Udstederen godkendte ikke koden: det er ikke den fra dit brev eller din sms. Tjek den, og prøv igen.",
)
TX_CODE_USED_UP = define(
    "wallet.tx_code_used_up",
    "The code was wrong too many times, so the issuer has closed this offer. Ask the institution for a new one.",
    "Koden var forkert for mange gange, så udstederen har lukket dette tilbud. Bed institutionen om et nyt.",
)
AUTHORIZATION_REFUSED = define(
    "wallet.authorization_refused",
    "The issuer did not authorize this: the login was cancelled or failed, or there is no decided document for "
    "you yet.",
    "Udstederen gav ikke lov: login blev afbrudt eller mislykkedes, eller der er endnu ikke afgjort et dokument "
    "til dig.",
)
AUTHORIZATION_RESPONSE = define(
    "wallet.authorization_response",
    "The answer from the login does not belong to this request (wrong state or issuer); nothing was received.",
    "Svaret fra login hører ikke til denne anmodning (forkert state eller udsteder); intet blev modtaget.",
)
TOKEN_REFUSED = define(
    "wallet.token_refused",
    "The issuer refused the offer: the code may be wrong, used or expired.",
    "Udstederen afviste tilbuddet: koden kan være forkert, brugt eller udløbet.",
)
CREDENTIAL_REFUSED = define(
    "wallet.credential_refused",
    "The issuer did not issue the credential.",
    "Udstederen udstedte ikke beviset.",
)
CREDENTIAL_INVALID = define(
    "wallet.credential_invalid",
    "The credential received is not valid and was not stored.",
    "Det modtagne bevis er ikke gyldigt og blev ikke gemt.",
)
HOLDER_BINDING = define(
    "wallet.holder_binding",
    "The credential received is not bound to a key of this wallet and was not stored.",
    "Det modtagne bevis er ikke bundet til en nøgle i denne tegnebog og blev ikke gemt.",
)
NETWORK = define(
    "wallet.network",
    "The other party could not be reached. Check the connection and try again.",
    "Den anden part kunne ikke nås. Tjek forbindelsen, og prøv igen.",
)
REQUEST_URI_REFUSED = define(
    "wallet.request_uri_refused",
    "The request points to an address the wallet does not contact: it must be an https address on the internet, "
    "not a local or private network address. Nothing was sent.",
    "Anmodningen peger på en adresse, som tegnebogen ikke kontakter: det skal være en https-adresse på internettet, "
    "ikke en lokal eller privat netværksadresse. Intet blev sendt.",
)
REQUEST_INVALID = define(
    "wallet.request_invalid",
    "This is not a valid presentation request.",
    "Dette er ikke en gyldig anmodning om at vise et bevis.",
)
NO_MATCH = define(
    "wallet.no_matching_credential",
    "You have no credential that matches what is asked for.",
    "Du har intet bevis, der passer til det, der bliver spurgt om.",
)
NO_COPIES = define(
    "wallet.no_copies_left",
    "All one-time copies of this credential are used, so it cannot be shown again. Ask the issuer to issue it "
    "again (a new offer) to get new copies.",
    "Alle engangskopier af dette bevis er brugt, så det kan ikke vises igen. Bed udstederen om at udstede det igen "
    "(et nyt tilbud) for at få nye kopier.",
)
DECLINED = define(
    "wallet.declined",
    "You declined to share.",
    "Du afviste at dele.",
)
VERIFIER_REFUSED = define(
    "wallet.verifier_refused",
    "The verifier did not accept the response.",
    "Verifikatoren accepterede ikke svaret.",
)
REQUEST_GONE = define(
    "wallet.request_gone",
    "This request has already been answered or has expired. Ask for a new QR code.",
    "Denne anmodning er allerede besvaret eller er udløbet. Bed om en ny QR-kode.",
)
TRUST_UNAVAILABLE = define(
    "wallet.trust_unavailable",
    "The wallet has no valid trust lists, so it cannot tell whom to trust.",
    "Tegnebogen har ingen gyldige tillidslister og kan derfor ikke afgøre, hvem den kan stole på.",
)
REQUEST_EXPIRED = define(
    "wallet.request_expired",
    "This request has expired or is not valid yet. Ask for a new QR code, and check that the date and time are "
    "right on both devices.",
    "Denne anmodning er udløbet eller endnu ikke gyldig. Bed om en ny QR-kode, og tjek, at dato og klokkeslæt er "
    "rigtige på begge enheder.",
)

# issue 17, item 4: exports are encrypted (wallet.private_file)
MIN_EXPORT_SECRET = 6  # a PIN's length; longer passphrases are better and the export screen says so
EXPORT_SECRET = define(
    "wallet.export_secret",
    "The PIN or passphrase is wrong, or the file is damaged: it cannot be opened.",
    "Pinkoden eller adgangssætningen er forkert, eller filen er beskadiget: den kan ikke åbnes.",
)
EXPORT_FORMAT = define(
    "wallet.export_format",
    "This is not an encrypted ESSPASS export (a JWE with PBES2-HS512+A256KW and A256GCM).",
    "Dette er ikke en krypteret ESSPASS-eksport (en JWE med PBES2-HS512+A256KW og A256GCM).",
)
EXPORT_WEAK = define(
    "wallet.export_weak_secret",
    f"Choose a PIN or passphrase of at least {MIN_EXPORT_SECRET} characters to protect the file, or ask for a "
    "readable copy.",
    f"Vælg en pinkode eller adgangssætning på mindst {MIN_EXPORT_SECRET} tegn til at beskytte filen, eller bed om "
    "en læsbar kopi.",
)
