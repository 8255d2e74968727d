"""Reason codes of the wallet: every refusal the wallet shows has a stable code and a message in
English and Danish (ARCHITECTURE.md, "Principles"). Trust decisions reuse the trust-list codes
(``issuer.*``, ``rp.*``, ``list.*``) and credential codes (``sd.*``, ``vc.*``) as they are.
"""

from __future__ import annotations

from credential.reasons import Reason, Rejected, define

__all__ = ["Reason", "Rejected"]

PIN_FORMAT = define("wallet.pin_format")
PIN_WRONG = define("wallet.pin_wrong")
PIN_DELAY = define("wallet.pin_delay")
PIN_LOCKED = define("wallet.locked")
NOT_SET_UP = define("wallet.not_set_up")
ALREADY_SET_UP = define("wallet.already_set_up")
TAMPERED = define("wallet.tampered")
OFFER_INVALID = define("wallet.offer_invalid")
ISSUER_METADATA = define("wallet.issuer_metadata")
TX_CODE_REQUIRED = define("wallet.tx_code_required")
TX_CODE_WRONG = define("wallet.tx_code_wrong")
TX_CODE_USED_UP = define("wallet.tx_code_used_up")
AUTHORIZATION_REFUSED = define("wallet.authorization_refused")
AUTHORIZATION_RESPONSE = define("wallet.authorization_response")
TOKEN_REFUSED = define("wallet.token_refused")
CREDENTIAL_REFUSED = define("wallet.credential_refused")
CREDENTIAL_INVALID = define("wallet.credential_invalid")
HOLDER_BINDING = define("wallet.holder_binding")
NETWORK = define("wallet.network")
REQUEST_URI_REFUSED = define("wallet.request_uri_refused")
REQUEST_INVALID = define("wallet.request_invalid")
NO_MATCH = define("wallet.no_matching_credential")
NO_COPIES = define("wallet.no_copies_left")
NO_ONLINE_COPIES = define("wallet.no_online_copies_left")  # only copies reserved for offline QR codes are left
NO_OFFLINE_COPIES = define("wallet.no_offline_copies_left")  # only copies for online sharing are left
# logging in at an institution in the browser (wallet.loopback, RFC 8252 §7.3)
LOGIN_CANCELLED = define("wallet.login_cancelled")
LOGIN_TIMEOUT = define("wallet.login_timeout")
LOGIN_BROWSER = define("wallet.login_browser")  # no browser could be opened, or no loopback port
DECLINED = define("wallet.declined")
VERIFIER_REFUSED = define("wallet.verifier_refused")
REQUEST_GONE = define("wallet.request_gone")
TRUST_UNAVAILABLE = define("wallet.trust_unavailable")
REQUEST_EXPIRED = define("wallet.request_expired")
UNREGISTERED = define("wallet.verifier_unregistered")  # issue 13 item 4: on none of our lists (strict / no yes)

# issue 17, item 4: exports are encrypted (wallet.private_file)
MIN_EXPORT_SECRET = 6  # a PIN's length; longer passphrases are better and the export screen says so
EXPORT_SECRET = define("wallet.export_secret")
EXPORT_FORMAT = define("wallet.export_format")
EXPORT_WEAK = define("wallet.export_weak_secret")

# issue 15, item 4: backup and restore (wallet.backup), change PIN, new copies and the paper copy (wallet.renewal)
EXPORT_DAMAGED = define("wallet.export_damaged")
BACKUP_SECRET = define("wallet.backup_secret")
BACKUP_DAMAGED = define("wallet.backup_damaged")
BACKUP_FOREIGN = define("wallet.backup_foreign")
BACKUP_NEWER = define("wallet.backup_newer")
PIN_MISMATCH = define("wallet.pin_mismatch")
RENEWAL_UNAVAILABLE = define("wallet.renewal_unavailable")
RENEWAL_REFUSED = define("wallet.renewal_refused")

# issue 13 item 2: wallet attestation from the wallet provider (HAIP 1.0 §4.4.1, OpenID4VCI 1.0 Appendix E)
ATTESTATION_UNAVAILABLE = define("wallet.attestation_unavailable")
ATTESTATION_NOT_CONFIGURED = define("wallet.attestation_not_configured")
