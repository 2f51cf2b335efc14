"""Skin segmentation: colour rules, the learned colour table, and the face-adaptive method.

Importing this package registers the methods (``retouch methods skin``).
"""

from __future__ import annotations

from retouch.segment.skin import adaptive, bayes, network, rules  # noqa: F401  (registers)
