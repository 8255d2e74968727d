"""Configuration errors: start-up stops with one clear sentence that names the setting."""

from __future__ import annotations


class ConfigError(Exception):
    """``setting`` (e.g. ``ESSPASS_ISSUER_CREDENTIAL_CHAIN``) is wrong; ``problem`` says how, as the end of a
    sentence that starts with the setting's name."""

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        self.problem = problem.rstrip(".")
        super().__init__(f"{setting}: {self.problem}.")

    @property
    def sentence(self) -> str:
        return f"configuration error: {self}"
