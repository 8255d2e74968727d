"""Running ESSPASS for real: where keys, certificates and trust lists come from, and what a service says at start.

Below the services (``issuer``, ``verifier``, ``wallet``), above ``credential`` and ``trust_list``:

- :mod:`deployment.errors` -- :class:`ConfigError`, one sentence naming the setting that is wrong;
- :mod:`deployment.pkcs11_uri` -- RFC 7512 PKCS#11 URIs, parsed (pure);
- :mod:`deployment.pkcs11` -- a signing key that never leaves its PKCS#11 token (python-pkcs11);
- :mod:`deployment.material` -- keys from PEM files or tokens, certificate chains, the checks at start;
- :mod:`deployment.listing` -- is a configured certificate on the configured trust list (fetched through netio);
- :mod:`deployment.settings` -- settings every service shares (proxies, CA bundle, PKCS#11 module and PIN);
- :mod:`deployment.startup` -- the start-up lines and the public-URL / listen-address warning;
- :mod:`deployment.sqlite_wal` -- WAL for SQLite files that several processes open at once.

Every setting is documented in ``docs/deploy.md``; ``docs/esspass.env.example`` is a complete example.
"""

from credential.exports import lazy

_EXPORTS = {
    "ConfigError": "errors", "read_list": "listing", "trusted_list": "listing",
    "check_key_matches": "material", "env_name": "material", "load_certificates": "material", "load_chain": "material",
    "load_signing_key": "material", "read_file": "material",
    "is_pkcs11_uri": "pkcs11_uri", "parse_pkcs11_uri": "pkcs11_uri", "SharedSettings": "settings",
    "startup_lines": "startup", "uvicorn_options": "startup", "use_wal": "sqlite_wal",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy(__name__, _EXPORTS)
