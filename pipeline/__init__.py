"""gendan (跟单): the merchandiser's document desk.

The public surface: a `Desk` over a `Workspace` processes inbox files into the archive;
an `OrderStore` owns the archived orders. Imported lazily, so that `gendan --help` and
the read commands start without loading the document libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Desk", "GendanError", "OrderStore", "Outcome", "Settings", "Workspace",
           "load_settings"]
__version__ = "0.2.0"

_WHERE = {"Desk": "desk", "GendanError": "errors", "OrderStore": "store", "Outcome": "outcome",
          "Settings": "config", "Workspace": "workspace", "load_settings": "config"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(name)
