"""The issuer: OpenID4VCI endpoints, the case API and the back office (:func:`create_app` over an
:class:`IssuerService`), configured by :class:`Settings`; paper copies in :mod:`issuer.paper`."""

from credential.exports import lazy

_EXPORTS = {"create_app": "api", "IssuerService": "service", "Settings": "settings", "make_engine": "store"}
_SUBMODULES = ["cli"]  # the typer app `esspass issuer` mounts
__all__ = sorted(_EXPORTS) + _SUBMODULES
__getattr__ = lazy(__name__, _EXPORTS, _SUBMODULES)
