"""Issue 17 item 6: the "Open image" dialog started in $HOME, showed no path and had no Open/Cancel buttons (double
click only). Now: the folder's path above the list, the folder used last time, Open (only with a file selected)
and Cancel — driven here in the inspector app offscreen, with the wallet's answer as a picture file."""

from __future__ import annotations


from tests.kivy_support import KivyTestCase  # first: sets up headless Kivy


class TestFileDialog(KivyTestCase):
    def test_path_shown_recent_folder_open_and_cancel(self):
        from kivy.core.window import Window

        import qrimage
        from tests.verifier.helpers import NOW
        from uikit.dialogs import FileDialog
        from verifier.ui import demo

        tmp, eco, ctl, app = self.inspector("esspass-filedialog-")
        try:
            app.start("a1-inspection")
            pictures = tmp / "pictures"
            pictures.mkdir()
            answer = pictures / "answer.png"
            cred = demo.issue(eco, "pda1", now=NOW)
            qrimage.encode_qr_png(demo.respond(cred, ctl.session.request_text, now=NOW, preset="a1-inspection"),
                                  answer)
            app.show("scan")
            scan = app.screen("scan")

            # Cancel: nothing happens
            self.tap(scan.ids.open_image)
            dialog = app.dialog
            assert isinstance(dialog, FileDialog)
            assert dialog.path_label.text == dialog.chooser.path  # where we are, in words
            assert dialog.open_button.text == "Open" and dialog.cancel_button.text == "Cancel"
            assert dialog.open_button.disabled  # nothing selected yet
            self.tap(dialog.cancel_button)
            assert app.dialog is None and app.current == "scan" and ctl.decision is None

            # choose the folder and the file; Open
            self.tap(scan.ids.open_image)
            dialog = app.dialog
            dialog.chooser.path = str(pictures)
            self.advance_frames(2)
            assert dialog.path_label.text == str(pictures)
            # the entries in the kit's ink (Kivy's own are white, unreadable on the white panel), and no English
            # "Name" / "Size" column heads whatever the language
            from kivy.uix.label import Label
            from kivy.utils import get_color_from_hex

            from uikit import palette

            names = [w for w in dialog.chooser.walk(restrict=True) if isinstance(w, Label) and w.text == "answer.png"]
            assert names and all(list(w.color) == get_color_from_hex(palette.INK) for w in names)
            shown = [w.text for w in dialog.chooser.walk(restrict=True) if isinstance(w, Label) and w.opacity]
            assert "Name" not in shown and "Size" not in shown, shown
            dialog.chooser.selection = [str(answer)]
            assert not dialog.open_button.disabled
            self.tap(dialog.open_button)
            assert app.dialog is None and app.current == "decision" and ctl.decision.result == "PASSED"

            # next time the dialog starts in the folder used last, in the app's language
            app.set_language("da")
            app.start("a1-inspection")
            app.show("scan")
            self.tap(scan.ids.open_image)
            assert app.dialog.chooser.path == str(pictures) and app.dialog.path_label.text == str(pictures)
            assert (app.dialog.open_button.text, app.dialog.cancel_button.text) == ("Åbn", "Annullér")
            Window.dispatch("on_keyboard", 27, 41, None, [])  # Esc closes it
            assert app.dialog is None
        finally:
            self.close(app)
