"""The wallet core (no UI): the encrypted store of cards and history (:class:`Wallet`, :class:`Card`), receiving a
credential (OpenID4VCI: :func:`parse_offer`, :func:`receive`), presenting online (OpenID4VP: :func:`fetch_request`,
:func:`plan`, :func:`respond`) and offline (:func:`read_request`, :func:`respond_offline`). The Kivy app is
:mod:`wallet.ui`."""

from credential.exports import lazy

_EXPORTS = {
    "Wallet": "core", "Card": "core", "Event": "core",
    "parse_offer": "issuance", "receive": "issuance",
    "fetch_request": "presentation", "plan": "presentation", "respond": "presentation", "decline": "presentation",
    "Consent": "presentation", "PresentationRequest": "presentation",
    "read_request": "offline", "respond_offline": "offline", "open_offline": "offline",
    "load_trust_store": "trust",
}
_SUBMODULES = ["cli"]  # the typer app `esspass wallet` mounts
__all__ = sorted(_EXPORTS) + _SUBMODULES
__getattr__ = lazy(__name__, _EXPORTS, _SUBMODULES)
