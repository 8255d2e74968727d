"""A signing key that never leaves its PKCS#11 token (python-pkcs11), behind ``credential.jose.SigningKey``.

The token signs with ``CKM_ECDSA`` over a digest computed here (PKCS#11 v2.40 §2.3.6: the mechanism signs a
hash given as data), which every token that does EC supports, also those without ``CKM_ECDSA_SHA256``. A
PKCS#11 ECDSA signature is already R || S, each as long as the order (PKCS#11 v2.40 §2.3.1), which is the
JWS form (RFC 7518 §3.4); tokens that answer in DER are converted.

Errors are :class:`Pkcs11KeyError` with one sentence: wrong PIN, locked PIN, no such token, no such object.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from credential.jose import JoseError, TokenKey, der_to_jws_signature

from .pkcs11_uri import Pkcs11Uri

_HASH = {"ES256": hashlib.sha256, "ES384": hashlib.sha384, "ES512": hashlib.sha512}
_SIZE = {"ES256": 32, "ES384": 48, "ES512": 66}
_LIBS: dict[str, object] = {}  # one C_Initialize per module and process (PKCS#11 §5.4)
_SESSIONS: dict[tuple[str, str], tuple[object, threading.Lock, bytes]] = {}  # (module, token serial)
_LIBS_LOCK = threading.RLock()


class Pkcs11KeyError(Exception):
    """The token could not give us the key; the message is one sentence for the operator."""


def jws_signature_from_token(raw: bytes, alg: str) -> bytes:
    """A token's ECDSA signature as JWS R || S: PKCS#11 raw form is checked and passed on, DER is converted."""
    size = _SIZE[alg]
    if len(raw) == 2 * size:
        return raw
    if raw[:1] == b"\x30":
        try:
            return der_to_jws_signature(raw, alg)
        except (ValueError, JoseError):
            pass
    raise Pkcs11KeyError(f"the token returned an ECDSA signature of {len(raw)} bytes, not {2 * size} (R || S)")


def _library(module_path: str):
    import pkcs11

    with _LIBS_LOCK:
        lib = _LIBS.get(module_path)
        if lib is None:
            if not Path(module_path).is_file():
                raise Pkcs11KeyError(f"the PKCS#11 module {module_path} does not exist")
            try:
                lib = pkcs11.lib(module_path)
            except pkcs11.PKCS11Error as exc:
                raise Pkcs11KeyError(f"the PKCS#11 module {module_path} could not be loaded ({exc})") from None
            _LIBS[module_path] = lib
        return lib


def _token_session(lib, uri: Pkcs11Uri, module_path: str, pin: str):
    """The process's logged-in session on the token ``uri`` names, and its lock. PKCS#11 login state belongs to
    the application, not the session (v2.40 §5.6 C_Login), so every key of one token shares one session."""
    import pkcs11
    from pkcs11 import TokenFlag
    from pkcs11 import exceptions as X

    try:
        token = lib.get_token(**({"token_label": uri.token} if uri.token is not None else {}),
                              **({"token_serial": uri.serial} if uri.serial is not None else {}))
    except X.NoSuchToken:
        raise Pkcs11KeyError(f"no token labelled {uri.token!r} in {module_path}") from None
    except X.MultipleTokensReturned:
        raise Pkcs11KeyError(f"several tokens match {uri.describe()}: name one by token= or serial=") from None
    name = token.label
    pin_digest = hashlib.sha256(pin.encode("utf-8")).digest()
    key = (module_path, token.serial)
    with _LIBS_LOCK:
        held = _SESSIONS.get(key)
        if held is not None:
            if held[2] != pin_digest:
                raise Pkcs11KeyError(f"token {name!r} is already open in this process with another PIN")
            return held[0], held[1]
        if token.flags & TokenFlag.USER_PIN_LOCKED:
            raise Pkcs11KeyError(f"token {name!r} is locked (its user PIN is locked); the security officer "
                                 "must unlock it")
        if not token.flags & TokenFlag.USER_PIN_INITIALIZED:
            raise Pkcs11KeyError(f"token {name!r} is locked: its user PIN was never initialised")
        try:
            session = token.open(user_pin=pin)
        except X.PinIncorrect:
            raise Pkcs11KeyError(f"the PIN for token {name!r} is wrong") from None
        except X.PinLocked:
            raise Pkcs11KeyError(f"token {name!r} is locked (its user PIN is locked); the security officer "
                                 "must unlock it") from None
        except X.UserPinNotInitialized:
            raise Pkcs11KeyError(f"token {name!r} is locked: its user PIN was never initialised") from None
        except X.PinExpired:
            raise Pkcs11KeyError(f"the user PIN of token {name!r} has expired") from None
        except (X.PinInvalid, X.PinLenRange):
            raise Pkcs11KeyError(f"the PIN for token {name!r} is not a valid PIN for this token") from None
        except X.TokenNotPresent:
            raise Pkcs11KeyError(f"token {name!r} is not present") from None
        except pkcs11.PKCS11Error as exc:
            raise Pkcs11KeyError(f"token {name!r} refused the login ({type(exc).__name__})") from None
        held = (session, threading.Lock(), pin_digest)
        _SESSIONS[key] = held
        return held[0], held[1]


class Pkcs11Key(TokenKey):
    """An EC private key object in a token. Signing is serialised per session: a PKCS#11 session runs one
    operation at a time (PKCS#11 v2.40 §5.1)."""

    def __init__(self, uri: Pkcs11Uri, module_path: str, pin: str) -> None:
        import pkcs11
        from pkcs11 import KeyType, ObjectClass
        from pkcs11 import exceptions as X

        self.uri = uri
        where = uri.describe()
        self._session, self._lock = _token_session(_library(module_path), uri, module_path, pin)
        search: dict[str, object] = {"key_type": KeyType.EC}
        if uri.object is not None:
            search["label"] = uri.object
        if uri.id is not None:
            search["id"] = uri.id
        try:
            self._private = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY, **search)
            public = self._session.get_key(object_class=ObjectClass.PUBLIC_KEY, **search)
        except X.NoSuchKey:
            raise Pkcs11KeyError(f"token {uri.token!r} holds no EC key pair {where}") from None
        except X.MultipleObjectsReturned:
            raise Pkcs11KeyError(f"several EC keys on token {uri.token!r} match {where}: name one by id=") from None
        from pkcs11.util.ec import encode_ec_public_key  # SubjectPublicKeyInfo from CKA_EC_PARAMS/CKA_EC_POINT

        try:
            key = serialization.load_der_public_key(encode_ec_public_key(public))
        except (ValueError, KeyError, TypeError) as exc:
            raise Pkcs11KeyError(f"the public key of {where} is not a usable EC key ({exc})") from None
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise Pkcs11KeyError(f"{where} is not an EC key")
        self._public = key
        self.curve = key.curve
        self._mechanism = pkcs11.Mechanism.ECDSA

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    def sign_jws(self, signing_input: bytes, alg: str) -> bytes:
        digest = _HASH[alg](signing_input).digest()
        with self._lock:
            raw = self._private.sign(digest, mechanism=self._mechanism)
        return jws_signature_from_token(bytes(raw), alg)
