"""The ``esspass`` command. Each domain owns its sub-app; this module only mounts them.

Exit codes shared by every verifying command: 0 PASSED, 1 FAILED, 2 bad usage or unreadable
input, 3 INDETERMINATE.
"""

from __future__ import annotations

import typer

import issuer.cli
import trust_list.cli
import verifier.cli
import verifier.inspect_cli
import wallet.cli

from . import sd_jwt_cli, wallet_provider

app = typer.Typer(
    name="esspass",
    help="European Social Security Pass: issue, hold and verify A1 and EHIC credentials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(sd_jwt_cli.app, name="sd-jwt")
app.add_typer(wallet_provider.app, name="wallet-provider")

# Sub-apps of the other packages; each is a typer app named ``app`` in ``<module>``.
for _name, _module in {
    "trust-list": trust_list.cli,
    "issuer": issuer.cli,
    "verifier": verifier.cli,
    "wallet": wallet.cli,
    "inspect": verifier.inspect_cli,
}.items():
    app.add_typer(_module.app, name=_name)

# `esspass verify` is a top-level command owned by the verifier package
app.command("verify")(verifier.cli.verify_command)


@app.command()
def demo(
    lang: str = typer.Option("en", "--lang", help="Language of the explanations: en, da, sv, nb, fi, is, de, pl, lt or ro."),
) -> None:
    """Run the whole ESSPASS journey on embedded defaults and explain every step."""
    from .demo import run_demo

    raise typer.Exit(run_demo(lang=lang))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
