"""Shared fixtures. Integration tests get one devnet per test session (started once, ~seconds).

The fixtures come from the package's own pytest plugin, `interop.testing.fixtures` (`devnet`,
`devnet_config`, `interop_devnet`, and the after-test check that no devnet background task
crashed), loaded here exactly as a third-party adapter package loads it.

Tests must not assume a fresh chain: measure balance *deltas*, and use the funded accounts that
`accounts` hands out (index 0-7) or a fresh funded key. Devnet deployers and relayers use their
own keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["interop.testing.fixtures"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.integration)
