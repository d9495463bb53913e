"""pytest fixtures for testing against the local devnet: a pytest plugin.

Enable it in your top-level conftest.py (it is not auto-loaded, so installing `interop` adds
nothing to anyone's pytest run):

    pytest_plugins = ["interop.testing.fixtures"]

Fixtures:
- `devnet_config` (session): the `DevnetConfig` the devnet is built from, `default_config()` by
  default (L1 900, OP L2s 901/902 with Superchain interop, Arbitrum L2 903). A family package
  overrides it to add its own chains and devnet component.
- `devnet` (session): the running `Devnet` (started once, seconds; stopped at the end).
- `interop_devnet`: an `Interop` on every devnet chain, signing with a fresh key of its own
  funded on every chain (so balances are exact and no other test shares its nonces), its journal
  in the test's `tmp_path`, and waits that move the devnet's clock (`devnet.advance`).
- `_interop_devnet_healthy` (autouse): after every test that used `devnet`, raise if one of
  its background tasks (a relayer, the proposer, the clock) crashed, so the failure shows at the
  test during which it happened, not as a later flow waiting in vain.

The async fixtures run in the session's event loop (the devnet's relayers live there): set
`asyncio_default_test_loop_scope = "session"` (and the fixture loop scope) in your pytest
configuration, or mark tests `@pytest.mark.asyncio(loop_scope="session")`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from interop.devnet.core import Devnet, DevnetConfig
from interop.devnet.presets import default_config
from interop.facade import Interop
from interop.signer import account_from_key
from interop.units import ether

__all__ = ["FUNDING", "devnet", "devnet_config", "fund", "interop_devnet"]

FUNDING = ether("1000")
"""What `interop_devnet`'s fresh account holds on every devnet chain."""


async def fund(devnet: Devnet, address: str, amount: int = FUNDING) -> None:
    """Give `address` exactly `amount` wei on every devnet chain (anvil_setBalance, node-direct)."""
    for cid in devnet.nodes:
        await devnet.transport(cid).request("anvil_setBalance", [address, hex(amount)])


@pytest.fixture(scope="session")
def devnet_config() -> DevnetConfig:
    """Override to test a family of your own: add its `DevnetChainSpec`s and component."""
    return default_config()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def devnet(devnet_config: DevnetConfig) -> AsyncIterator[Devnet]:
    """The running devnet, shared by the whole session. Tests must not assume a fresh chain:
    measure balance deltas, or use fresh addresses."""
    async with Devnet(devnet_config) as dn:
        yield dn


@pytest_asyncio.fixture(loop_scope="session")
async def interop_devnet(devnet: Devnet, tmp_path: Path) -> AsyncIterator[Interop]:
    """An `Interop` on the devnet with a fresh funded account and a journal of its own."""
    signer = account_from_key(os.urandom(32))
    await fund(devnet, signer.address)
    async with devnet.interop(account=signer, journal=str(tmp_path / "journal.sqlite3")) as io:
        yield io


@pytest.fixture(autouse=True)
def _interop_devnet_healthy(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "devnet" in request.fixturenames:
        dn = request.getfixturevalue("devnet")
        if isinstance(dn, Devnet):
            dn.check()
