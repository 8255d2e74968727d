"""The screen "Get a document from an institution" (issue 13): choose an institution from the trust list and A1 or
EHIC, or come here with an offer that needs a login; the app opens the system browser at the institution's login
and waits for it to come back (wallet.ui.document_login). Kept in its own module and kv file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from credential.reasons import Rejected
from uikit import make

KV = Path(__file__).with_name("get_document.kv")


class GetDocumentScreen(Screen):
    waiting = BooleanProperty(False)  # the browser is open; the app waits for the login to come back
    offer_uri = StringProperty("")  # set when an offer with the authorization_code grant brought us here
    institution = StringProperty("")  # chosen Credential Issuer URL
    vct = StringProperty("")  # chosen document type

    def refresh(self) -> None:
        if self.waiting:
            return
        app = App.get_running_app()
        self.ids.error.text = ""
        self._choices = []
        if not self.offer_uri:
            try:
                self._choices = app.document_login.institutions()
            except Rejected as exc:
                self.ids.error.text = exc.reason.text(app.lang)
            if not self._choices and not self.ids.error.text:
                self.ids.error.text = app.tr("getdoc.none", app.lang)
        if self.institution not in [c.credential_issuer for c in self._choices]:
            self.institution = ""
        self._draw()

    def _button(self, text: str, chosen: bool, on_release: Any):
        button = make("PrimaryButton" if chosen else "SecondaryButton", text=text)
        button.bind(on_release=on_release)
        return button

    def _draw(self) -> None:
        institutions, documents = self.ids.institutions, self.ids.documents
        institutions.clear_widgets()
        documents.clear_widgets()
        if self.offer_uri or self.waiting:
            return
        for choice in self._choices:
            institutions.add_widget(self._button(choice.name, choice.credential_issuer == self.institution,
                                                 lambda _b, c=choice: self.choose_institution(c.credential_issuer)))
        chosen = next((c for c in self._choices if c.credential_issuer == self.institution), None)
        for doc in chosen.documents if chosen else ():
            documents.add_widget(self._button(doc.label, doc.vct == self.vct,
                                              lambda _b, d=doc: self.choose_document(d.vct)))

    def choose_institution(self, url: str) -> None:
        self.institution = url
        chosen = next(c for c in self._choices if c.credential_issuer == url)
        if self.vct not in [d.vct for d in chosen.documents]:
            self.vct = chosen.documents[0].vct if len(chosen.documents) == 1 else ""
        self._draw()

    def choose_document(self, vct: str) -> None:
        self.vct = vct
        self._draw()

    def log_in(self) -> None:
        app = App.get_running_app()
        if not self.offer_uri and not (self.institution and self.vct):
            self.ids.error.text = app.tr("getdoc.choose", app.lang)
            return
        self.ids.error.text = ""
        self.waiting = True
        self._draw()
        if self.offer_uri:
            offer = self.offer_uri
            work = lambda: app.document_login.run(offer_uri=offer)  # noqa: E731
        else:
            issuer, vct = self.institution, self.vct
            work = lambda: app.document_login.run(credential_issuer=issuer, vct=vct)  # noqa: E731
        app.run_task(work, self._done)

    def cancel(self) -> None:
        App.get_running_app().document_login.cancel()

    def _done(self, msg) -> None:
        self.waiting = False
        self.offer_uri = ""
        App.get_running_app().show_result(msg)
