"""PKCS#11 URIs (RFC 7512), parsed into a typed value. Pure: no token is touched here.

``pkcs11:token=ESSPASS%20UDK;object=credential-signing?module-path=/usr/lib/softhsm/libsofthsm2.so``

- path attributes (§2.3) are separated by ``;``, query attributes by ``&``; values are percent-encoded (§2.3,
  "pk11-pchar"); an attribute may not appear twice (§2.3);
- ``id`` is bytes (CKA_ID), every other value UTF-8 text;
- ``type`` names the object class (§2.3: public, private, cert, secret-key, data); for a signing key only
  ``private`` makes sense;
- ``pin-value`` (§2.4) would put the PIN into configuration text and is refused here: the PIN comes from an
  environment variable or a file (``pin-source``, or the service's settings), never the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

MAX_URI_CHARS = 2048
PATH_ATTRIBUTES = frozenset({"token", "manufacturer", "serial", "model", "library-manufacturer", "library-version",
                             "library-description", "object", "type", "id", "slot-description",
                             "slot-manufacturer", "slot-id"})
QUERY_ATTRIBUTES = frozenset({"pin-source", "pin-value", "module-name", "module-path"})
OBJECT_TYPES = frozenset({"public", "private", "cert", "secret-key", "data"})
# RFC 7512 §2.3: pk11-pchar = unreserved / pk11-path-res-avail (pk11-res-avail and "&") / pct-encoded;
# pk11-qchar = unreserved / pk11-query-res-avail (pk11-res-avail, "/", "?", "|") / pct-encoded
_PCHAR = re.compile(r"(?:[A-Za-z0-9\-._~:\[\]@!$'()*+,=&]|%[0-9A-Fa-f]{2})*")
_QCHAR = re.compile(r"(?:[A-Za-z0-9\-._~:\[\]@!$'()*+,=/?|]|%[0-9A-Fa-f]{2})*")
_NAME = re.compile(r"[a-z][a-z0-9-]*")


class Pkcs11UriError(ValueError):
    """Not a PKCS#11 URI this project can use; the message says why."""


@dataclass(frozen=True, slots=True)
class Pkcs11Uri:
    token: str | None = None
    object: str | None = None
    id: bytes | None = None
    type: str | None = None
    serial: str | None = None
    slot_id: int | None = None
    module_path: str | None = None
    pin_source: str | None = None  # a file path (RFC 7512 §2.4 "pin-source"; file: URIs are reduced to the path)

    def describe(self) -> str:
        """The URI without secrets, for start-up lines and errors (it never holds a PIN)."""
        parts = [f"token={self.token}"] if self.token is not None else []
        if self.object is not None:
            parts.append(f"object={self.object}")
        if self.id is not None:
            parts.append("id=" + "".join(f"%{b:02x}" for b in self.id))
        return "pkcs11:" + ";".join(parts)


def is_pkcs11_uri(text: str) -> bool:
    return isinstance(text, str) and text[:7].lower() == "pkcs11:"


def _decode(value: str, what: str, pattern: re.Pattern[str]) -> bytes:
    if not pattern.fullmatch(value):
        raise Pkcs11UriError(f"{what}: characters outside RFC 7512 §2.3 (percent-encode them)")
    return unquote_to_bytes(value)


def _text(value: bytes, name: str) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise Pkcs11UriError(f"{name} is not UTF-8 text") from None


def _attributes(part: str, separator: str, allowed: frozenset[str], pattern: re.Pattern[str],
                seen: set[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    if not part:
        return found
    for item in part.split(separator):
        name, eq, value = item.partition("=")
        if not eq or not _NAME.fullmatch(name):
            raise Pkcs11UriError(f"{item[:40]!r} is not an attribute=value pair")
        if name in seen:
            raise Pkcs11UriError(f"attribute {name} appears twice (RFC 7512 §2.3)")
        seen.add(name)
        if name not in allowed and not name.startswith("x-"):  # §2.3: vendor attributes start with "x-"
            raise Pkcs11UriError(f"unknown attribute {name}")
        found[name] = _decode(value, name, pattern)
    return found


def parse_pkcs11_uri(text: str) -> Pkcs11Uri:
    """Parse ``text`` (RFC 7512 §2.3); Pkcs11UriError names what is wrong."""
    if not isinstance(text, str) or len(text) > MAX_URI_CHARS:
        raise Pkcs11UriError(f"a PKCS#11 URI is a string of at most {MAX_URI_CHARS} characters")
    if not is_pkcs11_uri(text):
        raise Pkcs11UriError("a PKCS#11 URI starts with 'pkcs11:'")
    path, _, query = text[7:].partition("?")
    seen: set[str] = set()
    attrs = _attributes(path, ";", PATH_ATTRIBUTES, _PCHAR, seen)
    attrs.update(_attributes(query, "&", QUERY_ATTRIBUTES, _QCHAR, seen))
    if "pin-value" in attrs:
        raise Pkcs11UriError("pin-value puts the PIN into the configuration; give it in an environment variable "
                             "or a file (pin-source) instead")
    values = {k: _text(v, k) for k, v in attrs.items() if k != "id"}
    object_type = values.get("type")
    if object_type is not None and object_type not in OBJECT_TYPES:
        raise Pkcs11UriError(f"type={object_type} is not one of {', '.join(sorted(OBJECT_TYPES))}")
    slot_id = values.get("slot-id")
    if slot_id is not None and not slot_id.isdigit():
        raise Pkcs11UriError("slot-id is a decimal number")
    pin_source = values.get("pin-source")
    if pin_source is not None and pin_source.startswith("file:"):
        pin_source = pin_source[5:]
        if pin_source.startswith("//"):  # file:///path (RFC 8089); a host part is not a local file
            if not pin_source.startswith("///"):
                raise Pkcs11UriError("pin-source names a file on this machine (file:///path)")
            pin_source = pin_source[2:]
    return Pkcs11Uri(token=values.get("token"), object=values.get("object"), id=attrs.get("id"),
                     type=object_type, serial=values.get("serial"),
                     slot_id=int(slot_id) if slot_id is not None else None,
                     module_path=values.get("module-path"), pin_source=pin_source or None)
