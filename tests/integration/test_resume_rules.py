"""The delivery rules of `resume` (issue 8, defects 3, 4, 5 and the library part of 9), on the devnet.

- 3: a call that raised after signing returns an error carrying the tx hash and flow id, and the
  journal agrees (`sent`): `resume` settles exactly those bytes, once. A call that raised before
  signing leaves an `abandoned` flow that `resume` never sends unless asked.
- 4: `resume` and `complete()` act only on flows of the signer's own account.
- 5: a journaled transaction whose nonce another transaction used is detected and marked; resume
  returns promptly, and another flow resumed in the same call still completes.
- 9: zero address / zero value refused before signing; `status` persists what it reads; keys
  pasted as a chain name or a flow id are never echoed.

Faults are injected at the transport seam (a wrapper around the real transport) or by making the
journal's after-record hook raise: never by mocking the code under test.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from interop.actions.tx import wait_for_receipt
from interop.adapters.base import Status
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.errors import (
    BridgeError,
    InputError,
    InvalidAmountError,
    MissingSignerError,
    RpcResponseError,
    TransactionReplacedError,
    UnknownChainError,
    UnsafeRecipientError,
)
from interop.facade import Interop
from interop.journal import TxRecord
from interop.rpc.base import Call, Transport
from interop.types import ZERO_ADDRESS
from interop.units import ether
from tests.integration.test_routes_e2e import L1, OP, fresh, key, make_io

pytestmark = pytest.mark.integration

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


class RefuseSends:
    """Transport seam: the next `times` eth_sendRawTransaction calls are answered with a
    JSON-RPC error and never reach the node; everything else goes through."""

    def __init__(self, inner: Transport, times: int = 1) -> None:
        self.inner = inner
        self.left = times

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "eth_sendRawTransaction" and self.left > 0:
            self.left -= 1
            # a definite refusal of these bytes (not a proxy's error): the send path gives up
            raise RpcResponseError("max fee per gas less than block base fee", code=-32000)
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        return None


def _seam(io: Interop, devnet: Devnet, chain: int, times: int = 1) -> RefuseSends:
    fault = RefuseSends(devnet.transport(chain), times)
    io._clients[chain] = ChainClient(io.chain(chain), fault, owns_transport=False)  # the seam
    return fault


async def _nonces(devnet: Devnet, address: str) -> list[int]:
    return [
        int(await devnet.transport(c).request("eth_getTransactionCount", [address, "latest"]), 16)
        for c in (L1, OP)
    ]


async def test_raised_after_signing_error_and_journal_agree(devnet: Devnet, tmp_path: Path) -> None:
    """Defect 3: the node refused the broadcast; the caller's error names the signed tx and the
    flow (it may have executed), the journal holds it as `sent`, resume settles that very tx."""
    io = await make_io(devnet, "rules-sent", tmp_path)
    async with io:
        _seam(io, devnet, L1)
        to, value = fresh(), 123_457
        with pytest.raises(RpcResponseError) as info:
            await io.transfer(L1, to=to, value=value)
        err = info.value
        [rec] = io.journal.flows()
        [tx] = io.journal.txs(rec.id)
        assert (err.tx_hash, err.flow_id, err.may_have_executed) == (tx.tx_hash, rec.id, True)
        assert "may have executed" in str(err)
        assert (rec.status, rec.done) == ("sent", False)
        assert await io.client(L1).get_balance(to) == 0
        results = await asyncio.wait_for(io.resume(), 60)
        assert [(r.flow_id, r.ok) for r in results] == [(rec.id, True)], results
        assert await io.client(L1).get_balance(to) == value  # once, by the journaled tx itself
        assert (await io.client(L1).get_receipt(tx.tx_hash)) is not None
        assert [t.tx_hash for t in io.journal.txs(rec.id)] == [tx.tx_hash]
        assert await io.resume() == []


async def test_raised_before_signing_is_abandoned(devnet: Devnet, tmp_path: Path) -> None:
    """Defect 3: nothing signed -> `abandoned`; resume never sends it; only when asked."""
    io = await make_io(devnet, "rules-abandoned", tmp_path, eth=ether("0.001"))
    assert io.signer is not None
    me = io.signer.address
    async with io:
        to, value = fresh(), ether("0.5")
        with pytest.raises(InputError) as info:  # InsufficientFundsError: more than the balance
            await io.transfer(L1, to=to, value=value)
        assert not info.value.may_have_executed and info.value.tx_hash is None
        [rec] = io.journal.flows()
        assert (rec.status, rec.done, io.journal.txs(rec.id)) == ("abandoned", True, [])
        assert info.value.flow_id == rec.id
        assert await io.resume() == []
        with pytest.raises(BridgeError, match="abandoned"):
            await io.flow(rec.id).complete()
        assert await io.client(L1).get_balance(to) == 0
        await devnet.transport(L1).request("anvil_setBalance", [me, hex(ether("1"))])
        [res] = await io.resume(include_abandoned=True)
        assert res.ok and res.state is not None and res.state.status is Status.FINALIZED
        assert await io.client(L1).get_balance(to) == value
        assert io.journal.get(rec.id).done and await io.resume(include_abandoned=True) == []


async def test_resume_skips_another_accounts_flow(devnet: Devnet, tmp_path: Path) -> None:
    """Defect 4: a flow started by account 1 is not continued by account 2's resume."""
    one = await make_io(devnet, "rules-owner", tmp_path)
    async with one:
        t = await one.bridge(ether("0.001"), OP, L1)  # a withdrawal: prove + finalize remain
        assert one.signer is not None
        owner = one.signer.address
    two = Interop(
        list(devnet.chains.values()),
        account=key("rules-intruder"),
        journal=tmp_path / "rules-owner.sqlite3",
        sleep=one.sleep,
    )
    assert two.signer is not None
    for cid in (L1, OP):
        await devnet.transport(cid).request(
            "anvil_setBalance", [two.signer.address, hex(ether("1"))]
        )
    before = await _nonces(devnet, two.signer.address)
    async with two:
        results = await asyncio.wait_for(two.resume(), 120)
        assert [(r.flow_id, r.skipped) for r in results] == [
            (t.id, f"another account's flow ({owner})")
        ]
        with pytest.raises(MissingSignerError, match="started by"):
            await two.flow(t.id or "").complete()  # type: ignore[arg-type]
    assert await _nonces(devnet, two.signer.address) == before  # nothing sent by account 2


async def test_replaced_nonce_does_not_hang_resume(devnet: Devnet, tmp_path: Path) -> None:
    """Defect 5: flow A's signed tx never left (crash between signing and broadcast), then
    another send used its nonce. Resume marks A replaced at once and still completes flow B."""
    io = await make_io(devnet, "rules-replaced", tmp_path)
    crash = {"on": True}

    def hook(rec: TxRecord) -> None:
        if crash["on"]:
            raise RuntimeError("simulated crash between signing and broadcast")

    async with io:
        io.journal.after_record = hook
        a_to, b_to, other_to = fresh(), fresh(), fresh()
        with pytest.raises(RuntimeError):
            await io.transfer(L1, to=a_to, value=1111)
        crash["on"] = False
        await io.transfer(L1, to=other_to, value=2222)  # takes the nonce A was signed with
        crash["on"] = True
        with pytest.raises(RuntimeError):
            await io.transfer(L1, to=b_to, value=3333)
        crash["on"] = False
        a, _, b = io.journal.flows()
        started = time.monotonic()
        results = await asyncio.wait_for(io.resume(), 90)
        elapsed = time.monotonic() - started
        by_id = {r.flow_id: r for r in results}
        assert set(by_id) == {a.id, b.id}
        assert isinstance(by_id[a.id].error, TransactionReplacedError), by_id[a.id]
        err = by_id[a.id].error
        [a_tx] = io.journal.txs(a.id)
        assert (err.flow_id, err.tx_hash, err.may_have_executed) == (a.id, a_tx.tx_hash, False)
        assert err.replaced_by is not None and err.replaced_by != a_tx.tx_hash
        assert by_id[b.id].ok, by_id[b.id]
        assert elapsed < 30, elapsed
        assert (io.journal.get(a.id).status, io.journal.get(a.id).done) == ("replaced", True)
        assert io.journal.txs(a.id)[0].state == "replaced"
        balances = [await io.client(L1).get_balance(x) for x in (a_to, other_to, b_to)]
        assert balances == [0, 2222, 3333]
        assert await io.resume() == []


async def test_zero_recipient_and_zero_value_refused(devnet: Devnet, tmp_path: Path) -> None:
    """Defect 9: zero address / zero value refused: nothing signed, nothing journaled."""
    io = await make_io(devnet, "rules-refusals", tmp_path)
    assert io.signer is not None
    async with io:
        before = await _nonces(devnet, io.signer.address)
        with pytest.raises(UnsafeRecipientError, match="zero address"):
            await io.transfer(L1, to=ZERO_ADDRESS, value=1)
        with pytest.raises(InvalidAmountError):
            await io.transfer(L1, to=fresh(), value=0)
        with pytest.raises(UnsafeRecipientError, match="zero address"):
            await io.bridge(ether("0.001"), OP, L1, ZERO_ADDRESS)
        with pytest.raises(UnsafeRecipientError, match="zero address"):
            await io.send_message(L1, OP, ZERO_ADDRESS, b"\x12\x34")
        assert await _nonces(devnet, io.signer.address) == before
        assert io.journal.flows() == []
        res = await io.transfer(L1, to=ZERO_ADDRESS, value=1, force=True)  # waived: burns 1 wei
        assert res.receipt is not None


async def test_status_is_persisted(devnet: Devnet, tmp_path: Path) -> None:
    """Defect 9: a transfer not waited for stops being listed as unfinished once its status
    was read from chain."""
    io = await make_io(devnet, "rules-status", tmp_path)
    async with io:
        to = fresh()
        sent = await io.transfer(L1, to=to, value=77, wait=False)
        [pending] = io.flows(unfinished=True)
        for _ in range(50):
            if await io.client(L1).get_receipt(sent.tx_hash) is not None:
                break
            await asyncio.sleep(0.1)
        st = await io.flow(pending.record.id).status()
        assert st.status is Status.FINALIZED
        assert io.flows(unfinished=True) == []  # status() wrote what it read
        assert io.journal.get(pending.record.id).done

        again = await io.transfer(L1, to=fresh(), value=78, wait=False)
        assert len(io.flows(unfinished=True)) == 1
        await wait_for_receipt(io.client(L1), again.tx_hash, timeout=10)
        assert await io.refresh() == [] and io.flows(unfinished=True) == []


async def test_busy_loop_timings_refused(devnet: Devnet, tmp_path: Path) -> None:
    """Defect 9: a poll interval or timeout of 0 or less would spin (thousands of requests a
    second) or never be met: refused before anything runs."""
    io = await make_io(devnet, "rules-timings", tmp_path)
    async with io:
        t = await io.bridge(ether("0.001"), L1, OP)
        for kw in ({"poll": 0}, {"max_interval": -1}, {"timeout": 0}, {"poll": float("nan")}):
            with pytest.raises(InputError):
                await io.resume(**kw)  # type: ignore[arg-type]
            with pytest.raises(InputError):
                await t.wait(**kw)  # type: ignore[arg-type]
            with pytest.raises(InputError):
                await t.complete(**kw)  # type: ignore[arg-type]
        assert (await t.complete()).status is Status.FINALIZED


async def test_keys_are_never_echoed(devnet: Devnet, tmp_path: Path) -> None:
    io = Interop(list(devnet.chains.values()), journal=tmp_path / "j.sqlite3")
    for bad in (KEY, KEY[2:]):
        with pytest.raises(UnknownChainError) as chain_err:
            io.chain(bad)
        with pytest.raises(InputError) as flow_err:
            io.flow(bad)
        for e in (chain_err.value, flow_err.value):
            assert KEY[2:] not in str(e) and KEY[6:] not in repr(e.args), e
            assert "redacted" in str(e)
        assert KEY[6:] not in str(chain_err.value.query)


class DarkAfterSend:
    """Transport seam: once a transaction was sent through it (and reached the node), every
    `eth_call` fails as an unreachable RPC would — the status read after a mined prove."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sent: list[str] = []

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "eth_call" and self.sent:
            from interop.errors import RpcUnreachableError

            raise RpcUnreachableError("eth_call: no RPC URL answered (seam)")
        res = await self.inner.request(method, params)
        if method == "eth_sendRawTransaction":
            self.sent.append(str(res))
        return res

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        if self.sent and any(method == "eth_call" for method, _ in calls):
            from interop.errors import RpcUnreachableError

            raise RpcUnreachableError("eth_call: no RPC URL answered (seam)")
        return await self.inner.batch(calls)

    async def aclose(self) -> None:
        return None


async def test_complete_error_after_a_mined_step_carries_its_hash(
    devnet: Devnet, tmp_path: Path
) -> None:
    """Found by the soak: complete() proved a withdrawal on L1, then a status read failed and
    the caller got an RpcUnreachableError with no hash — 'failed' for what executed."""
    io = await make_io(devnet, "rules-complete-marks", tmp_path)
    async with io:
        t = await io.bridge(1234, OP, L1)
        dark = DarkAfterSend(devnet.transport(L1))
        io._clients[L1] = ChainClient(io.chain(L1), dark, owns_transport=False)  # the seam
        with pytest.raises(Exception) as info:
            await t.complete(timeout=120, poll=0.2, max_interval=1)
        exc = info.value
        assert dark.sent, "the prove transaction was sent before the reads failed"
        assert getattr(exc, "tx_hash", None) == dark.sent[-1], exc
        assert getattr(exc, "may_have_executed", False) and exc.flow_id == t.id  # type: ignore[attr-defined]
        rcpt = await devnet.transport(L1).request("eth_getTransactionReceipt", [dark.sent[-1]])
        assert rcpt is not None and rcpt["status"] == "0x1"  # it did execute
