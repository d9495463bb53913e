"""A flow found by its transaction hash (started elsewhere: another journal, a wallet) reports
who really receives and how much is bridged, as the adapters record them, not the bridge contract
the transaction called and its value (which for a retryable includes the fees). Issue 10."""

from __future__ import annotations

from pathlib import Path

import pytest

from interop.devnet.core import Devnet
from interop.facade import Interop
from interop.units import ether
from tests.integration.test_routes_e2e import ARB, L1, OP, fresh, make_io

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("target", "name"), [(OP, "op"), (ARB, "arb")])
async def test_a_looked_up_deposit_names_its_recipient_and_amount(
    devnet: Devnet, tmp_path: Path, target: int, name: str
) -> None:
    io = await make_io(devnet, f"lookup-{name}", tmp_path)
    to, amount = fresh(), ether("0.0123")
    async with io:
        flow = await io.bridge(amount, L1, target, to)
        tx = await io.client(L1).get_transaction(flow.tx_hash)
        assert tx is not None
        called, sent = str(tx["to"]).lower(), int(tx["value"], 16)
    assert called != to.lower()  # the portal / the Inbox
    # a second process with an empty journal finds the flow from the hash alone
    other = Interop(list(devnet.chains.values()), journal=tmp_path / "other.sqlite3")
    async with other:
        found = await other.flow_from_tx(L1, flow.tx_hash)
        assert found.recipient.lower() == to.lower(), (found.recipient, called)
        assert found.value == amount, (found.value, sent)


async def test_a_ref_from_a_newer_release_fails_naming_the_flow(
    devnet: Devnet, tmp_path: Path
) -> None:
    """The core upgrades every stored ref through its adapter's `decode_ref` before use, so a
    journal row written by a newer release is refused with the flow's id, not misread."""
    import dataclasses

    from interop.errors import InputError

    io = await make_io(devnet, "lookup-newer-ref", tmp_path)
    async with io:
        flow = await io.bridge(ether("0.001"), L1, OP, fresh())
        ref = flow.refs[0]
        assert ref is not None
        io.journal.set_hop_ref(flow.id, 0, dataclasses.replace(ref, version=ref.version + 1))
        with pytest.raises(InputError) as info:
            await io.flow(flow.id).status()
        assert flow.id in info.value.message and "version" in str(info.value).lower()
