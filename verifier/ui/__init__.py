"""The Kivy inspector app (issue #7): layout in ``inspector.kv``, logic in :mod:`verifier.ui.controller`."""
