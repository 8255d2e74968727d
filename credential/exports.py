"""Each package's public face: ``__all__`` names it, and a module-level ``__getattr__`` (PEP 562) imports a name's
module only when it is first used, so importing a package stays cheap and free of import cycles."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy"]


def lazy(package: str, exports: Mapping[str, str], submodules: Iterable[str] = ()) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: ``exports`` maps each public name to its module (relative to the package);
    ``submodules`` are the package's public submodules (each with its own ``__all__``), imported when first named."""
    public_modules = frozenset(submodules)

    def __getattr__(name: str) -> Any:
        if name in public_modules:
            return import_module(f"{package}.{name}")
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{module}"), name)

    return __getattr__
