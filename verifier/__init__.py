"""The verifier: OpenID4VP endpoints and the inspector console (:func:`create_app` over a :class:`VerifierService`),
the decision over the core's staged report (:func:`verify_presentation`, :class:`Decision`, contexts from
:class:`Sources`), offline inspection (:class:`OfflineVerifier`, :class:`InspectorSession`) and its caches."""

from credential.exports import lazy

_EXPORTS = {
    "create_app": "api", "VerifierService": "service", "VerifierSettings": "settings",
    "Decision": "policy", "Sources": "policy", "VerificationContext": "policy", "verify_presentation": "policy",
    "OfflineVerifier": "offline", "InspectorSession": "offline", "load_verifier": "offline",
    "VerifierCache": "caches", "Bundle": "sources", "StatusCache": "sources",
    "IssuerLookup": "manual_check", "ManualInputError": "manual_check",
}
_SUBMODULES = ["cli", "inspect_cli"]  # the typer apps `esspass verifier`, `esspass verify` and `esspass inspect`
__all__ = sorted(_EXPORTS) + _SUBMODULES
__getattr__ = lazy(__name__, _EXPORTS, _SUBMODULES)
