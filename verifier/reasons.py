"""The verifier's own reason codes.

Failure codes of the credential core (``sd.*``, ``kb.*``, ``vc.*``, ``status.*``, ``request.*``, the validity layers)
and the words of every check that passed are defined where the checks are made (:mod:`credential.verification`,
:mod:`credential.validity`); those of the trust lists (``issuer.*``) in :mod:`trust_list.reasons`. This module adds
only what the verifier alone decides.
"""

from __future__ import annotations

from credential.reasons import define

REQUEST_PRESET = define(
    "request.unknown_preset",
    "The kind of check asked for is not known to this verifier.",
    "Den ønskede type kontrol er ukendt for denne verifikator.",
)
STATUS_DEADLINE = define(
    "status.deadline",
    "The issuer's status list could not be obtained within the time allowed for one check, so it is unknown "
    "whether the credential has been withdrawn. This does NOT mean it has been. Try again later.",
    "Udstederens statusliste kunne ikke hentes inden for den tid, en kontrol må tage, så det vides ikke, om "
    "legitimationen er tilbagekaldt. Det betyder IKKE, at den er det. Prøv igen senere.",
)
