"""The institution's signing keys, as the issuer uses them.

They come from the demo trust ecosystem (``trust_list.demo``) and stay behind
:class:`~credential.jose.SigningKey`, so a hardware security module can replace them without the
issuer changing. The ``x5c`` chains are encoded once here, not per credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from credential.jose import SigningKey


@dataclass(frozen=True)
class InstitutionKeys:
    name: str
    country: str
    credential_key: SigningKey
    credential_x5c: list[str]
    status_key: SigningKey
    status_x5c: list[str]
    credential_x5t: str = ""  # x5t#S256 of the signing certificate, which the trust list lists (§4)
    slug: str = ""  # the institution's short name in the demo ecosystem ("udk")
    institution_id: str = ""  # issuing_authority.id in the credentials it signs ("DK:UDK")

    @property
    def issuing_authority(self) -> dict[str, str]:
        """The ``issuing_authority`` claim of every credential this institution signs."""
        return {"id": self.institution_id, "name": self.name, "country": self.country}

    @property
    def credential_kid(self) -> str:
        return self.credential_x5t[:16]

    def credential_header(self, reference: str) -> dict[str, object]:
        """The key reference in a credential's header (trust-lists.md §4): ``x5t`` = ``kid`` +
        ``x5t#S256`` (compact: an offline QR code has no room for a certificate chain), ``x5c`` =
        the full chain (for verifiers that do not hold the trust list's certificates)."""
        if reference == "x5c":
            return {"x5c": self.credential_x5c}
        return {"kid": self.credential_kid, "x5t#S256": self.credential_x5t}


def institution_keys(home: Path, now: int, country: str = "DK", institution_id: str | None = None) -> InstitutionKeys:
    """The institution's credential-signing and status-list-signing keys with their x5c chains,
    from ``trust_list.demo.build_demo_ecosystem(home, now)`` (a second call reuses the folder).
    ``institution_id`` defaults to ``<country>:<SLUG>`` (``DK:UDK``)."""
    from trust_list.demo import build_demo_ecosystem  # noqa: PLC0415 - heavy, needed once at start-up

    inst = build_demo_ecosystem(Path(home), now).institution(country)
    return InstitutionKeys(inst.name, inst.country, inst.credential_key, inst.credential_x5c,
                           inst.status_key, inst.status_x5c, inst.credential_x5t, slug=inst.slug,
                           institution_id=institution_id or f"{inst.country}:{inst.slug.upper()}")
