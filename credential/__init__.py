"""The credential core: pure and I/O-free (docs/architecture.md).

Public API: issuing and verifying SD-JWT VCs (:func:`issue_vc`, :func:`verify_vc`, :func:`present`), the typed, staged
verification report (:func:`verify_presentation` → :class:`Report` of :class:`Check`, each with a :class:`Kind` and a
:class:`Stage`; the result words :data:`PASSED`, :data:`FAILED`, :data:`INDETERMINATE`), the validity layers
(:func:`validity_layers`), the explain layer (:func:`claim_rows`, :func:`layer_rows`, :func:`check_lines`), reason
codes (:class:`Reason`, :class:`Rejected`, the one exception a check raises, with a stable code), texts (the public
submodule :mod:`.i18n`) and :func:`display_safe`. Malformed input at a boundary raises a :class:`MalformedInput` (a :class:`Rejected` with its stable
code): :class:`MalformedToken`, :class:`MalformedDisclosure`, :class:`MalformedStatusList`, :class:`MalformedQrText`;
the JOSE layer below raises :class:`JoseError`, which each boundary turns into one of these with its own code.
"""

from .exports import lazy

_EXPORTS = {
    "FAILED": "report", "INDETERMINATE": "report", "PASSED": "report", "Check": "report", "Kind": "report",
    "Report": "report", "Stage": "report",
    "FetchedStatus": "verification", "IssuerTrust": "verification", "KeyBinding": "verification",
    "StatusCache": "verification", "StatusSource": "verification", "verify_presentation": "verification",
    "Reason": "reasons", "Rejected": "reasons", "define": "reasons",
    "MalformedInput": "reasons", "MalformedToken": "reasons", "MalformedDisclosure": "reasons",
    "MalformedStatusList": "reasons", "MalformedQrText": "reasons",
    "JoseError": "jose", "SigningKey": "jose",
    "present": "sd_jwt", "issue_vc": "sd_jwt_vc", "verify_vc": "sd_jwt_vc",
    "validity_layers": "validity",
    "check_lines": "explain", "claim_rows": "explain", "layer_rows": "explain", "type_name": "explain",
    "display_safe": "text",
}
# Public submodules (docs/architecture.md, "Public faces"): each lists its own ``__all__``; other packages import
# only those names from them. Everything else in credential/ is internal.
_SUBMODULES = ["attestations", "dcql", "explain", "exports", "i18n", "jose", "offline_request", "qr_transport",
               "reasons", "report", "sd_jwt", "sd_jwt_vc", "shapes", "status_list", "types", "validity",
               "verification"]
__all__ = sorted(_EXPORTS) + _SUBMODULES
__getattr__ = lazy(__name__, _EXPORTS, _SUBMODULES)
