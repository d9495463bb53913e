"""`Devnet.interop()` / `Devnet.start_interop()`: the devnet hands out an `Interop` on its chains
(the facade knows nothing of the devnet)."""

from __future__ import annotations

import pytest

from interop.devnet.core import Devnet
from interop.devnet.presets import default_config
from interop.errors import DevnetError
from interop.facade import Interop
from interop.units import ether

pytestmark = pytest.mark.integration


async def test_interop_on_a_running_devnet(devnet: Devnet) -> None:
    """Every chain, a funded signer, the journal beside the logs, waits that move chain time."""
    async with devnet.interop(account_index=3) as io:
        assert {c.id for c in io.chains} == set(devnet.chains)
        assert io.signer is not None and io.signer.address == devnet.accounts[3][0]
        assert Devnet.of(io) is devnet
        assert io.sleep == devnet.advance
        bob = devnet.accounts[4][0]
        before = (await io.balances([bob], chains=[901])).balance(901, bob)
        await io.transfer(901, to=bob, value=7)
        assert (await io.balances([bob], chains=[901])).balance(901, bob) - before == 7
        flow = io.flows()[-1]
        assert flow.record.sender == devnet.accounts[3][0]
    # the journal is the devnet's, so the next Interop on it sees that flow
    async with devnet.interop(account_index=3, fast_forward=False) as io2:
        assert io2.sleep is None
        assert flow.id in {f.id for f in io2.flows()}
    with pytest.raises(DevnetError):
        Devnet.of(Interop([]))


async def test_interop_refuses_bad_use(devnet: Devnet) -> None:
    with pytest.raises(DevnetError, match="no funded devnet account"):
        async with devnet.interop(account_index=len(devnet.accounts)):
            pass
    idle = Devnet(
        default_config(opstack=False, arbitrum=False, linea=False, zksync=False, scroll=False)
    )
    with pytest.raises(DevnetError, match="not running"):
        async with idle.interop():
            pass


async def test_start_interop_starts_and_stops_its_devnet() -> None:
    """The one-liner (what `Interop.devnet()` was): an L1-only devnet here, to stay fast."""
    async with Devnet.start_interop(
        opstack=False, arbitrum=False, linea=False, zksync=False, scroll=False, account_index=1
    ) as io:
        dn = Devnet.of(io)
        assert dn.running and [c.id for c in io.chains] == [900]
        assert str(io.journal.path).startswith(str(dn.log_dir))
        got = await io.transfer(900, to=dn.accounts[2][0], value=ether("0.001"))
        assert got.receipt is not None and got.receipt.succeeded
    assert not dn.running


async def test_interop_devnet_fixture(interop_devnet: Interop, devnet: Devnet) -> None:
    """The packaged fixture: a fresh key funded exactly on every chain, its own journal."""
    from interop.testing.fixtures import FUNDING

    io = interop_devnet
    assert io.signer is not None
    me = io.signer.address
    assert me not in {a for a, _ in devnet.accounts}
    table = await io.balances([me])
    assert all(table.balance(cid, me) == FUNDING for cid in devnet.chains)
    assert Devnet.of(io) is devnet and io.flows() == []
