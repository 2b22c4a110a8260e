"""Pure tests of the reward metrics: records are built by hand or by hypothesis, no chain, no bytecode."""

from __future__ import annotations

import pytest
from hypothesis import settings

PURE_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@pytest.fixture(scope="session", autouse=True)
def _compiled():
    """Overrides the suite's compile step: these tests never touch bytecode."""
