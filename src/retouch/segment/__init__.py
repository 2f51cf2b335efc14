"""Segmentation tasks (person, face, skin) and what they share.

``retouch.segment(task, image, ...)`` is the public function (``retouch/__init__.py``);
importing this package makes ``retouch.segment`` the package, so the package itself
is callable and calls that function: ``retouch.segment("skin", image)`` works whether
or not a submodule was imported first.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from retouch import _segment

        return _segment(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
