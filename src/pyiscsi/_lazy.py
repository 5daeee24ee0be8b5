"""A package's names imported on first use (PEP 562 module ``__getattr__`` and ``__dir__``).

Used where importing everything up front costs more than a short-lived tool can pay
(``pyiscsi``, ``pyiscsi.scsi``).  Type checkers see the package's plain imports instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping

__all__ = ["module_attributes"]


def module_attributes(
    package: str,
    namespace: MutableMapping[str, object],
    homes: Mapping[str, str],
    listed: Iterable[str] = (),
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    A name in ``homes`` is read from the module named there (absolute), once: it is then kept
    in ``namespace`` (the package's globals).  Any other name may be a submodule.
    ``__dir__`` lists what is loaded, every name in ``homes`` and ``listed``.
    """

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            if not name.startswith("__"):
                try:
                    return importlib.import_module(f"{package}.{name}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{package}.{name}":
                        raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    extra = tuple(listed)

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes, *extra})

    return __getattr__, __dir__
