"""The verifier's own reason codes.

Failure codes of the credential core (``sd.*``, ``kb.*``, ``vc.*``, ``status.*``, ``request.*``, the validity layers)
and the words of every check that passed are defined where the checks are made (:mod:`credential.verification`,
:mod:`credential.validity`); those of the trust lists (``issuer.*``) in :mod:`trust_list.reasons`. This module adds
only what the verifier alone decides.
"""

from __future__ import annotations

from credential.reasons import define

REQUEST_PRESET = define("request.unknown_preset")
STATUS_DEADLINE = define("status.deadline")
# issue 15 item 3: a document number typed in by the inspector; nothing proves the person holds the document
MANUAL_HOLDER_NOT_CHECKED = define("manual.holder_not_checked")
