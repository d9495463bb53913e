"""The core's pre-send pipeline and status model against the real adapters on the devnet.

Refusals carry stable codes and are waived one by one; the adapter receives the caller's
waivers (before, `bridging` stripped them, so a Superchain refusal could not be overridden);
a flow that needs a person raises `ManualActionRequired` instead of polling forever.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from interop.adapters.base import Actor, Status
from interop.devnet.core import Devnet
from interop.errors import InputError, ManualActionRequired, RefusedError, UnsafeRecipientError
from interop.units import ether
from tests.integration.test_routes_e2e import L1, OP, OP2, RECORDER_CODE, fresh, make_io

pytestmark = pytest.mark.integration

REVERTER = "0x5f5ffd"
"""PUSH0 PUSH0 REVERT: any call to it fails."""


async def test_refusal_codes_are_waived_one_by_one(devnet: Devnet, tmp_path: Path) -> None:
    io = await make_io(devnet, "seam-waive", tmp_path)
    async with io:
        assert io.signer is not None
        me = io.signer.address
        nonce = await io.client(L1).get_nonce(me)
        # the core's own code: a contract on L1 that has no code on the L2
        only_l1 = fresh()
        await devnet.transport(L1).request("anvil_setCode", [only_l1, RECORDER_CODE])
        with pytest.raises(UnsafeRecipientError) as info:
            await io.bridge(ether("0.001"), L1, OP, only_l1)
        assert isinstance(info.value, RefusedError)
        assert info.value.code == "contract-recipient" and "contract-recipient" in str(info.value)
        # waiving another code does not waive this one
        with pytest.raises(UnsafeRecipientError):
            await io.bridge(ether("0.001"), L1, OP, only_l1, waive={"rejects-eth"})
        assert await io.client(L1).get_nonce(me) == nonce  # nothing was signed
        t = await io.bridge(ether("0.001"), L1, OP, only_l1, waive={"contract-recipient"})
        assert t.tx_hash is not None
        assert t.record.options.get("waive") == ["contract-recipient"]  # later hops honour it


async def test_the_superchain_adapter_gets_the_callers_waiver(
    devnet: Devnet, tmp_path: Path
) -> None:
    io = await make_io(devnet, "seam-superchain-waive", tmp_path)
    async with io:
        if not await io.client(OP).get_code("0x4200000000000000000000000000000000000023"):
            pytest.skip("this devnet has no L2ToL2CrossDomainMessenger")
        target = fresh()  # no code on 902: the adapter's own refusal
        with pytest.raises(UnsafeRecipientError) as info:
            await io.send_message(OP, OP2, target, b"\x01")
        assert info.value.code == "no-code-target" and info.value.codes == ("no-code-target",)
        msg = await io.send_message(OP, OP2, target, b"\x01", waive={"no-code-target"})
        assert msg.tx_hash is not None


async def test_unknown_options_are_refused_before_anything_is_signed(
    devnet: Devnet, tmp_path: Path
) -> None:
    io = await make_io(devnet, "seam-options", tmp_path)
    async with io:
        with pytest.raises(InputError) as info:
            await io.bridge(ether("0.001"), L1, OP, options={"gaslimit": 100_000})
        assert "'gaslimit'" in str(info.value) and "sender" in str(info.value)
        assert io.journal.flows() == []


async def test_a_failed_message_needs_a_person_and_says_what_to_do(
    devnet: Devnet, tmp_path: Path
) -> None:
    """An L1 -> OP message whose call reverts on L2 ends in NEEDS_MANUAL_ACTION ("failed-relay"):
    `complete()` raises `ManualActionRequired` with the replay to do (it polled forever)."""
    io = await make_io(devnet, "seam-manual", tmp_path)
    async with io:
        target = fresh()
        await devnet.transport(OP).request("anvil_setCode", [target, REVERTER])
        msg = await io.send_message(L1, OP, target, b"\x12\x34")
        with pytest.raises(ManualActionRequired) as info:
            await asyncio.wait_for(msg.complete(), 60)
        assert "replay" in info.value.action and info.value.flow_id == msg.id
        st = await msg.status()
        assert st.status is Status.NEEDS_MANUAL_ACTION and st.actor is Actor.CALLER
        assert st.action == info.value.action


async def test_cli_waive_and_manual_action_exit_codes(
    devnet: Devnet,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CLI prints a refusal's code and `--waive CODE` accepts it; a flow that needs a person
    exits 1 (not 3: nothing is in doubt, and `resume` could not finish it) with what to do."""
    from interop.cli.main import main
    from tests.integration.test_cli_exit_codes import _funded

    common, key, _ = await _funded(devnet, tmp_path, "seam-cli")
    monkeypatch.setenv("INTEROP_PRIVATE_KEY", key)
    only_l1 = fresh()
    await devnet.transport(L1).request("anvil_setCode", [only_l1, RECORDER_CODE])
    bridge = ["bridge", *common, "--from", "devnet-l1", "--to", "devnet-op",
              "--value", "1gwei", "--recipient", only_l1]  # fmt: skip
    assert await asyncio.to_thread(main, bridge) == 2
    err = capsys.readouterr().err
    assert "Refusal code: contract-recipient" in err and "nothing was signed" in err
    assert await asyncio.to_thread(main, [*bridge, "--waive", "contract-recipient"]) == 0
    capsys.readouterr()

    target = fresh()
    await devnet.transport(OP).request("anvil_setCode", [target, REVERTER])
    message = ["message", *common, "--from", "devnet-l1", "--to", "devnet-op", "--target", target,
               "--data", "0x1234", "--complete", "--timeout", "120", "--max-interval", "1"]  # fmt: skip
    assert await asyncio.to_thread(main, message) == 1
    err = capsys.readouterr().err
    assert "manual action needed:" in err and "replay" in err


class _FlatL1Fee:
    """A third-party family whose transactions pay a flat parent-chain data fee on top of gas."""

    name = "flatfee"
    charges_l1_data_fee = True
    FEE = 10**15

    def __init__(self) -> None:
        self.asked: list[object] = []

    async def l1_data_fee(self, client: object, tx: object, *, block: int | None = None) -> int:
        self.asked.append(tx)
        return self.FEE

    def genesis_escrow(self, chain: object) -> str | None:
        return None


async def test_the_funds_check_uses_the_chains_family_whatever_it_is(
    devnet: Devnet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`transfer`'s funds check adds the family's L1 data fee for any family (it only knew the
    OP Stack's): a family installed by another package, found through its entry point."""
    from importlib.metadata import EntryPoint

    from interop.actions.fees import estimate_fees
    from interop.actions.transfer import send_native
    from interop.chains.model import Chain
    from interop.client import ChainClient
    from interop.errors import InsufficientFundsError
    from interop.families import FamilyRegistry, UnsignedTx
    from interop.families import registry as fam_registry
    from interop.signer import account_from_key

    family = _FlatL1Fee()
    monkeypatch.setitem(globals(), "_the_family", family)
    fake = EntryPoint("flatfee", f"{__name__}:_family_factory", "interop.families")
    monkeypatch.setattr(fam_registry, "entry_points", lambda group: [fake])
    monkeypatch.setattr(fam_registry, "_default", FamilyRegistry())
    chain = Chain(id=L1, name="flat-l1", stack="flatfee", rpc_urls=devnet.chain(L1).rpc_urls)
    client = ChainClient(chain, devnet.transport(L1), owns_transport=False)
    signer = account_from_key("0x" + "5e" * 32)
    fees = await estimate_fees(client)
    value = ether("0.001")
    balance = value + fees.max_cost(21_000)  # enough for value + gas, not the data fee
    await devnet.transport(L1).request("anvil_setBalance", [signer.address, hex(balance)])
    with pytest.raises(InsufficientFundsError, match="L1 data fee") as info:
        await send_native(client, signer, fresh(), value, fees=fees, gas=21_000)
    assert info.value.required == balance + _FlatL1Fee.FEE
    assert len(family.asked) == 1 and isinstance(family.asked[0], UnsignedTx)
    await devnet.transport(L1).request("anvil_setBalance", [signer.address, hex(balance * 2)])
    res = await send_native(client, signer, fresh(), value, fees=fees, gas=21_000)
    assert res.receipt is not None


_the_family: object = None


def _family_factory() -> object:
    return _the_family
