"""The ``esspass`` command (:mod:`esspass.cli`, entry point :func:`esspass.cli.main`) and the demo; the top of the
layers: no other package imports this one."""

__all__: list[str] = []
