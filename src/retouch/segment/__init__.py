"""Segmentation tasks (person, face, skin) and what they share.

``retouch.segment(task, image, ...)`` is the public function (``retouch/__init__.py``);
importing this package makes ``retouch.segment`` the package, so the package itself
is callable and calls that function: ``retouch.segment("skin", image)`` works whether
or not a submodule was imported first.
"""

from __future__ import annotations

from retouch.core.modules import make_callable

make_callable(__name__, "_segment")
