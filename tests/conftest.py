"""Shared fixtures. Integration tests get one devnet per test session (started once, ~seconds).

Tests must not assume a fresh chain: measure balance *deltas*, and use the funded accounts that
`accounts` hands out (index 0-7). Devnet deployers and relayers use their own keys.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from interop.devnet.core import Devnet


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
async def devnet() -> AsyncIterator[Devnet]:
    """The default devnet: L1 900, OP L2s 901/902, Arbitrum L2 903, real bridge contracts."""
    async with Devnet.default() as dn:
        yield dn


@pytest.fixture(autouse=True)
def _devnet_healthy(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test that used the session devnet: raise if one of its background tasks
    (a relayer, the proposer, the clock) crashed, so the failure is reported at the test
    during which it happened, not as a later flow that waits in vain. (The devnet's own
    `advance()` and its teardown raise it too.)"""
    yield
    if "devnet" in request.fixturenames:
        dn = request.getfixturevalue("devnet")
        if isinstance(dn, Devnet):
            dn.check()
