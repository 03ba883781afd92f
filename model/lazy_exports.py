"""Lazy (PEP 562) re-exports: a module offers names defined in modules that import it.

Pure Python: importing this module imports nothing heavy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_reexports(namespace: dict,
                   reexports: dict[str, tuple[str, ...]]) -> tuple[Callable, Callable]:
    """The module-level ``__getattr__`` and ``__dir__`` that re-export names lazily.

    Args:
        namespace: The re-exporting module's ``globals()``; a name is cached there on first use.
        reexports: For each source module's dotted name, the names it provides.

    Returns:
        ``(__getattr__, __dir__)``, to assign at the re-exporting module's top level.
    """
    home = {name: module for module, names in reexports.items() for name in names}
    module_name = namespace["__name__"]

    def __getattr__(name: str):  # noqa: N807 - PEP 562 hook
        """Import a re-exported name from its module on first use."""
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - PEP 562 hook
        """Module attributes, including the lazily re-exported ones."""
        return sorted(set(namespace) | set(home))

    return __getattr__, __dir__
