"""Getting a document by logging in at the institution (the authorization code flow, OpenID4VCI 1.0 §5, as HAIP 1.0
§4 profiles it: wallet.authorization) from the app: wallet-initiated (the person chooses an institution from the
trust list and a document type) or from an offer whose only grant is ``authorization_code``.

The login happens in the system browser (RFC 8252 §8.12), which comes back to the app through a loopback redirect
on this device (RFC 8252 §7.3, wallet.loopback). No Kivy here: the screen (wallet.ui.get_document) and the tests
drive it. On Android the app would use its claimed App Link / private-use scheme instead (docs/android.md: not
built yet)."""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from credential.reasons import Rejected

from .. import reasons as R

if TYPE_CHECKING:
    from .controller import Message, WalletController

LOGIN_TIMEOUT_S = 600.0  # the issuer's own login window (issuer login_ttl) is 10 minutes too


@dataclass(frozen=True)
class DocumentChoice:
    vct: str
    label: str  # the type's name in the app's language ("A1 certificate", "EHIC")


@dataclass(frozen=True)
class InstitutionChoice:
    name: str
    credential_issuer: str
    documents: tuple[DocumentChoice, ...]


class DocumentLogin:
    """One login at a time. :meth:`run` blocks until the credential is stored or the flow stops (run it off the UI
    thread); :meth:`cancel` stops the wait for the browser."""

    def __init__(self, ctl: "WalletController", *, opener: Callable[[str], bool] = webbrowser.open,
                 port: int | None = None, timeout: float = LOGIN_TIMEOUT_S) -> None:
        self.ctl = ctl
        self.opener = opener
        self.port = port  # tests pin it (benchmarks.services.free_port); the app picks one per login
        self.timeout = timeout
        self._cancelled = threading.Event()
        self.waiting = False

    # ------------------------------------------------------------ choices
    def institutions(self) -> list[InstitutionChoice]:
        """The institutions of the Pub-EAA list that issue an A1 or an EHIC (``list.*`` refusals raise)."""
        from ..institutions import institutions
        from .controller import _type_display

        return [InstitutionChoice(i.name, i.credential_issuer,
                                  tuple(DocumentChoice(v, _type_display(v, self.ctl.lang)[0]) for v in i.vcts))
                for i in institutions(self.ctl._store(), int(self.ctl.clock()), self.ctl.trust_dir)]

    def needs_login(self, offer_uri: str) -> bool:
        """True for an offer with only the ``authorization_code`` grant (OpenID4VCI 1.0 §4.1.1)."""
        from ..issuance import parse_offer

        with self.ctl._client() as client:
            return parse_offer(offer_uri, client).pre_authorized_code is None

    # ------------------------------------------------------------ the flow
    def cancel(self) -> None:
        self._cancelled.set()

    def _page(self, ok: bool) -> str:
        from ..loopback import simple_page

        key = "login.browser_done" if ok else "login.browser_not_this"
        return simple_page(self.ctl.t("app.title"), self.ctl.t(key), self.ctl.lang)

    def run(self, *, credential_issuer: str | None = None, vct: str | None = None,
            offer_uri: str | None = None) -> "Message":
        """Log in at ``credential_issuer`` for a document of type ``vct`` (wallet-initiated), or for ``offer_uri``;
        a :class:`~wallet.ui.controller.Message` saying what came of it (also in the history)."""
        from ..authorization import receive_authorized
        from ..issuance import fetch_metadata
        from ..loopback import LoopbackRedirect, system_browser
        from ..status import refresh_all
        from .controller import Message, _type_display

        ctl = self.ctl
        self._cancelled.clear()
        self.waiting = True
        try:
            store = ctl._store()
            with ctl._client() as client, LoopbackRedirect(port=self.port, page=self._page) as receiver:
                browse = system_browser(receiver, self.opener, timeout=self.timeout, cancelled=self._cancelled)
                if offer_uri is not None:
                    got = receive_authorized(ctl.wallet, store, browse, offer_uri=offer_uri, client=client,
                                             redirect_uri=receiver.redirect_uri)
                else:
                    if not credential_issuer or not vct:
                        raise Rejected(R.OFFER_INVALID, "choose an institution and a document")
                    try:
                        configuration = configuration_for(fetch_metadata(client, credential_issuer).raw, vct)
                    except Rejected as exc:  # before the flow starts: still an outcome for the history
                        ctl.wallet.log(kind="issuance", party=credential_issuer, party_id=credential_issuer,
                                       credential=vct, outcome="refused", reason=exc.code, refused_by="wallet")
                        raise
                    got = receive_authorized(ctl.wallet, store, browse, credential_issuer=credential_issuer,
                                             configuration_id=configuration, client=client,
                                             redirect_uri=receiver.redirect_uri)
                try:
                    refresh_all(ctl.wallet, store, client)
                except Exception:  # noqa: BLE001 - best effort, as after any receipt
                    pass
        except Rejected as exc:
            ctl.last_message = ctl.reason(exc)
            return ctl.last_message
        finally:
            self.waiting = False
        names = ", ".join(_type_display(c.vct, ctl.lang)[0] for c in got.cards)
        ctl.last_message = Message(True, ctl.t("result.received"),
                                   f"{names}\n{ctl.t('cards.issued_by', name=got.cards[0].issuer_name)}")
        return ctl.last_message


def configuration_for(metadata: dict, vct: str) -> str:
    """The issuer's credential configuration for ``vct`` in SD-JWT VC format (OpenID4VCI 1.0 §12.2.4, Appendix
    A.3), else ``wallet.issuer_metadata``."""
    from credential import sd_jwt_vc

    configs = metadata.get("credential_configurations_supported")
    for cid, conf in (configs.items() if isinstance(configs, dict) else []):
        if isinstance(conf, dict) and conf.get("vct") == vct and conf.get("format") == sd_jwt_vc.TYP:
            return cid
    raise Rejected(R.ISSUER_METADATA, f"the issuer offers no {vct[:60]}")
