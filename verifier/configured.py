"""A configured verifier's own material: its trust anchors, its relying-party keys and certificates, its presets.

Read and checked at start-up (:mod:`deployment.material`); a problem stops start-up with one sentence naming the
setting (:class:`deployment.errors.ConfigError`). Nothing here imports ``trust_list.demo``.
"""

from __future__ import annotations

from cryptography import x509

from credential.reasons import Rejected
from deployment import ConfigError
from deployment import check_key_matches, env_name, load_certificates, load_chain, load_signing_key, read_file
from trust_list import x5c_without_anchor
from trust_list import LIST_BY_SHORT_NAME, LIST_TYPES
from trust_list import check_relying_party, x509_hash_client_id
from trust_list import TrustStore

from . import openid4vp as vp
from . import presets as P
from .settings import OWN_SETTINGS, VerifierSettings


def relying_party(settings: VerifierSettings, now: int) -> tuple[vp.RelyingParty, list[x509.Certificate]]:
    """(this verifier as a relying party, the pinned operator certificates)."""
    for name in OWN_SETTINGS:
        if not getattr(settings, name):
            given = next(env_name(n) for n in OWN_SETTINGS if getattr(settings, n))
            raise ConfigError(env_name(name), f"is not set, but {given} is: a configured verifier needs all of "
                                              + ", ".join(env_name(n) for n in OWN_SETTINGS))
    if not settings.verifier_trust_list_urls and not settings.verifier_bundle:
        raise ConfigError("ESSPASS_VERIFIER_TRUST_LIST_URLS", "is not set: a configured verifier fetches the "
                                                              "three lists from their URLs (or reads a bundle)")
    unknown = [k for k in settings.verifier_trust_list_urls if LIST_BY_SHORT_NAME.get(k, k) not in LIST_TYPES]
    if unknown:
        raise ConfigError("ESSPASS_VERIFIER_TRUST_LIST_URLS", f"names no list {unknown[0]!r} (use pub-eaa, wrpac, "
                                                              "wrprc)")
    bad = [p for p in settings.verifier_presets if p not in P.NAMES]
    if bad:
        raise ConfigError("ESSPASS_VERIFIER_PRESETS", f"names no preset {bad[0]!r} (use {', '.join(P.NAMES)})")
    anchors = load_certificates(settings.verifier_trust_anchors, "ESSPASS_VERIFIER_TRUST_ANCHORS")
    chain = load_chain(settings.verifier_access_chain, "ESSPASS_VERIFIER_ACCESS_CHAIN", now)
    key = load_signing_key(settings.verifier_access_key, "ESSPASS_VERIFIER_ACCESS_KEY", settings)
    check_key_matches(key, chain, "ESSPASS_VERIFIER_ACCESS_KEY", "ESSPASS_VERIFIER_ACCESS_CHAIN")
    registration = read_file(settings.verifier_registration_cert, "ESSPASS_VERIFIER_REGISTRATION_CERT")
    token = registration.decode("ascii", "replace").strip()
    if token.count(".") != 2:
        raise ConfigError("ESSPASS_VERIFIER_REGISTRATION_CERT", f"{settings.verifier_registration_cert} holds no "
                                                                "registration certificate (a compact JWS)")
    return vp.RelyingParty(key, x5c_without_anchor(chain), x509_hash_client_id(chain[0]), token), anchors


_SETTING_OF_REASON = {"rp.signature": "ESSPASS_VERIFIER_ACCESS_CHAIN", "rp.client_id": "ESSPASS_VERIFIER_ACCESS_CHAIN"}


def check_listed(rp: vp.RelyingParty, store: TrustStore, presets: list[str], base_url: str, now: int,
                 fetched: dict | None = None) -> None:
    """What a wallet will check (trust-lists.md §5): a request of each preset, signed now, passes
    :func:`check_relying_party` against the lists just fetched; otherwise start-up stops. ``fetched``: the first
    fetch's results (trust_list.fetch.FetchResult by list type), to say why a list is missing."""
    for list_type, result in (fetched or {}).items():
        if result.in_force is None:
            short = next((k for k, v in LIST_BY_SHORT_NAME.items() if v == list_type), list_type)
            raise ConfigError("ESSPASS_VERIFIER_TRUST_LIST_URLS", f"the {short} list could not be loaded "
                                                                  f"({result.reason or result.detail})")
    for preset in presets or P.NAMES:
        t = vp.new_transaction(rp, preset, base_url, now, 60)
        try:
            check_relying_party(store, t.request_object, rp.client_id, None, now, strict=True)
        except Rejected as exc:
            setting = _SETTING_OF_REASON.get(exc.code, "ESSPASS_VERIFIER_REGISTRATION_CERT")
            if exc.code.startswith("list."):
                setting = "ESSPASS_VERIFIER_TRUST_LIST_URLS"
            raise ConfigError(setting, f"a {preset} request of this verifier would be refused by wallets "
                                       f"({exc.code}: {exc.detail})") from None
