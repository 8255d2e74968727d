"""A real SoftHSM2 token store for the tests, initialised by the test in a temporary ``SOFTHSM2_CONF``.

PKCS#11 reads its configuration once per process (at ``C_Initialize``), so one store serves the whole test
session: every token exists before python-pkcs11 first loads the module. Tokens:

- ``esspass`` (user PIN :data:`PIN`): EC key pairs generated inside the token (never extractable):
  ``credential-signing`` and ``status-signing`` (P-256), ``rotated`` (P-256), ``p384`` (P-384);
- ``wrong-pin``: for the wrong-PIN error (login state is per process, so it gets a token of its own);
- ``locked``: initialised by the security officer only, its user PIN never set: nobody can log in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support import skip_or_fail

MODULE_CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                     "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")
PIN = "246810"
SO_PIN = "13579111"
KEYS = {"credential-signing": "secp256r1", "status-signing": "secp256r1", "rotated": "secp256r1",
        "p384": "secp384r1"}

_INIT_WITHOUT_USER_PIN = """
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
assert lib.C_Initialize(None) == 0
count = ctypes.c_ulong()
lib.C_GetSlotList(ctypes.c_ubyte(0), None, ctypes.byref(count))
slots = (ctypes.c_ulong * count.value)()
lib.C_GetSlotList(ctypes.c_ubyte(0), slots, ctypes.byref(count))
so = sys.argv[2].encode()
# SoftHSM2 keeps one free (uninitialised) slot, listed last
rv = lib.C_InitToken(ctypes.c_ulong(slots[count.value - 1]), ctypes.c_char_p(so), ctypes.c_ulong(len(so)),
                     ctypes.c_char_p(sys.argv[3].encode().ljust(32)))
lib.C_Finalize(None)
sys.exit(rv)
"""


@dataclass(frozen=True)
class SoftHsm:
    module: str
    conf: Path

    def uri(self, obj: str, token: str = "esspass") -> str:
        return f"pkcs11:token={token};object={obj}"

    def env(self) -> dict[str, str]:
        return {"SOFTHSM2_CONF": str(self.conf), "ESSPASS_PKCS11_MODULE": self.module, "ESSPASS_PKCS11_PIN": PIN}


def module_path() -> str | None:
    return next((m for m in MODULE_CANDIDATES if Path(m).is_file()), None)


def make_softhsm(root: Path) -> SoftHsm:
    module = module_path()
    if module is None or shutil.which("softhsm2-util") is None:
        skip_or_fail("SoftHSM2 is not installed (apt install softhsm2)")
    (root / "tokens").mkdir(parents=True)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # before python-pkcs11 loads the module in this process
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    for label in ("esspass", "wrong-pin"):
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SO_PIN,
                        "--pin", PIN], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", _INIT_WITHOUT_USER_PIN, module, SO_PIN, "locked"], env=env, check=True)
    _generate_keys(module)
    return SoftHsm(module, conf)


def _generate_keys(module: str) -> None:
    """EC key pairs generated in the token (CKA_SENSITIVE, not extractable: the private keys never leave it)."""
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_named_curve_parameters

    from deployment.pkcs11 import _library

    token = _library(module).get_token(token_label="esspass")
    with token.open(rw=True, user_pin=PIN) as session:  # closing the session logs out again
        for label, curve in KEYS.items():
            params = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters(curve)}, local=True)
            params.generate_keypair(store=True, label=label, id=label.encode(),
                                    private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False})


def certify_token_keys(softhsm: SoftHsm, now: int, *, extra: tuple[str, ...] = ()):
    """``certify`` for :func:`tests.deployment.operator_world.build_world`: the institution's CAs certify the public
    keys of the token's ``credential-signing`` and ``status-signing`` key pairs (the private keys stay in it), and
    of ``extra`` ones under the credential CA (``hsm-<name>-chain.pem``, not listed)."""
    from deployment.material import load_signing_key
    from deployment.settings import SharedSettings
    from tests.deployment.operator_world import INSTITUTION
    from trust_list import certificates as C

    shared = SharedSettings(pkcs11_module=softhsm.module, pkcs11_pin=PIN)

    def certify(inst: Path) -> Path:
        jobs = [("credential", "credential", "credential-signing"), ("status", "status", "status-signing")]
        for stem, ca_stem, obj in jobs + [(name, "credential", name) for name in extra]:
            key = load_signing_key(softhsm.uri(obj), "test", shared)
            ca_cert = C.read_certificates(inst / f"{ca_stem}-ca-cert.pem")[0]
            ca_key = C.read_private_key(inst / f"{ca_stem}-ca-key.pem")
            leaf = C.end_entity_certificate(key, f"{INSTITUTION} {stem} signing (HSM)", country="DK",
                                            organization=INSTITUTION, ca_key=ca_key, ca_cert=ca_cert,
                                            not_before=now - 3600, not_after=now + 365 * 86400)
            C.write_certificates(inst / f"hsm-{stem}-chain.pem", [leaf, ca_cert])
        return inst / "hsm-credential-chain.pem"

    return certify
