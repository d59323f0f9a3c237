"""Fixtures for loader tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from loader_checks import FIXTURES


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
