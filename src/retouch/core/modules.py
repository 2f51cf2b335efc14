"""Packages that can be called like the public function they share a name with."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["make_callable"]


def make_callable(module: str, function: str) -> None:
    """Let the package ``module`` be called: ``retouch.segment("skin", image)`` calls
    ``retouch._segment``. Importing ``retouch.segment`` replaces the attribute
    ``retouch.segment`` (the public function) with the package, so the package itself
    must answer the call; ``function`` (an attribute of ``retouch``) is looked up at call
    time, since ``retouch`` is still being imported when its packages are."""

    class _Callable(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return getattr(importlib.import_module("retouch"), function)(*args, **kwargs)

    sys.modules[module].__class__ = _Callable
