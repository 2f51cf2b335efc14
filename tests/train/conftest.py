"""The training tests need torch (the ``train`` extra); without it they skip with the reason."""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("torch") is None:  # pragma: no cover - CI installs the extra
    pytest.skip("torch is not installed: pip install -e '.[train]'", allow_module_level=True)
