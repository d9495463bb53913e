"""The pieces of the batched status sweep that need no chain: the hand-written `aggregate3`
codec against eth-abi, the reader's failure rules (a sub-call failing without revert data is
asked again on its own, a failing aggregate falls back to plain calls), the seam's default
`statuses_of`, and the sweep's journal that does not rewrite an unchanged status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from interop.abi import Fn
from interop.adapters.base import (
    AdapterContext,
    Direction,
    FlowKind,
    FlowRef,
    FlowStatus,
    Status,
    statuses_of,
)
from interop.adapters.opstack.reads import BatchReads, decode_aggregate3, encode_aggregate3
from interop.chains.model import Chain
from interop.client import ChainClient
from interop.errors import ExecutionRevertedError, InteropError, RpcResponseError
from interop.journal import Journal
from interop.rpc.mock import MockTransport
from interop.sweep import _QuietJournal
from interop.types import to_address

MC = "0xcA11bde05977b3631167028862bE2a173976CA11"
A1 = "0x00000000000000000000000000000000000000a1"
A2 = "0x00000000000000000000000000000000000000A2"
GET = Fn("get(uint256)", ("uint256",))


def test_aggregate3_codec_matches_eth_abi() -> None:
    calls = [(A1, b""), (A2, bytes(range(37))), (A1, b"\x01" * 64)]
    want = bytes.fromhex("82ad56cb") + abi_encode(
        ["(address,bool,bytes)[]"], [[(to, True, d) for to, d in calls]]
    )
    assert encode_aggregate3(calls) == want
    answers = [
        (True, b"\x00" * 31 + b"\x07"),
        (False, b"\x08\xc3\x79\xa0" + bytes(40)),
        (True, b""),
    ]
    raw = abi_encode(["(bool,bytes)[]"], [answers])
    assert decode_aggregate3(raw, 3) == answers
    assert abi_decode(["(bool,bytes)[]"], raw)[0] == tuple(answers)
    with pytest.raises(ValueError):
        decode_aggregate3(raw, 2)  # an answer for another number of calls is no answer


class _Node:
    """A node with a Multicall3: `aggregate3` answers each `get(n)` with n * 10, reverts with
    data for n == 13 and fails without data for n == 99 (as an out-of-gas sub-call would),
    which a plain `eth_call` answers with 990."""

    def __init__(self, *, aggregate_fails: bool = False) -> None:
        self.aggregate_fails = aggregate_fails
        self.aggregates = 0
        self.plain = 0

    def __call__(self, method: str, params: list[Any]) -> Any:
        assert method == "eth_call", method
        tx, block = params[0], params[1]
        assert block == hex(7)  # every read at the pinned block
        data = bytes.fromhex(tx["data"][2:])
        if tx["to"] == MC:
            self.aggregates += 1
            if self.aggregate_fails:
                raise ExecutionRevertedError("execution reverted", code=3)
            subs = abi_decode(["(address,bool,bytes)[]"], data[4:])[0]
            out = []
            for _, _, d in subs:
                n = int.from_bytes(d[4:], "big")
                if n == 13:
                    out.append((False, b"\x08\xc3\x79\xa0" + bytes(4)))
                elif n == 99:
                    out.append((False, b""))
                else:
                    out.append((True, (n * 10).to_bytes(32, "big")))
            return "0x" + abi_encode(["(bool,bytes)[]"], [out]).hex()
        self.plain += 1
        n = int.from_bytes(data[4:], "big")
        if n == 13:
            raise ExecutionRevertedError("execution reverted", code=3)
        return "0x" + (n * 10).to_bytes(32, "big").hex()


def _client(node: _Node) -> ChainClient:
    return ChainClient(Chain(id=1, name="one", rpc_urls=()), MockTransport(node))


async def _read_all(reads: BatchReads, ns: list[int]) -> list[Any]:
    import asyncio

    async def one(n: int) -> Any:
        try:
            return (await reads.fn(A1, GET, n))[0]
        except InteropError as exc:
            return type(exc)

    return list(await asyncio.gather(*(one(n) for n in ns)))


async def test_reads_of_one_turn_go_out_as_one_aggregate_each_answer_its_own() -> None:
    node = _Node()
    reads = BatchReads(_client(node), 7, 1000, to_address(MC))
    got = await _read_all(reads, [1, 2, 13, 99, 2, 3])
    assert got == [10, 20, ExecutionRevertedError, 990, 20, 30]
    # one aggregate for the five distinct reads, and the one that failed without revert data
    # asked again on its own (a revert is never inferred from a batch artefact)
    assert (node.aggregates, node.plain) == (1, 1)
    assert await _read_all(reads, [1, 2]) == [10, 20]  # same sweep, same block: asked once
    assert (node.aggregates, node.plain) == (1, 1)


async def test_a_failing_aggregate_falls_back_to_plain_calls() -> None:
    node = _Node(aggregate_fails=True)
    reads = BatchReads(_client(node), 7, 1000, to_address(MC))
    assert await _read_all(reads, [1, 13, 4]) == [10, ExecutionRevertedError, 40]
    assert (node.aggregates, node.plain) == (1, 3)


async def test_without_multicall_reads_are_plain_calls_at_the_pinned_block() -> None:
    node = _Node()
    reads = BatchReads(_client(node), 7, 1000, None)
    assert await _read_all(reads, [5, 13]) == [50, ExecutionRevertedError]
    assert (node.aggregates, node.plain) == (0, 2)


def _ref(i: int) -> FlowRef:
    return FlowRef("plain", Direction.L2_TO_L1, FlowKind.ETH, 2, 1, "0x" + f"{i:064x}")


class _PlainAdapter:
    """An adapter without the batch hook: `statuses_of` falls back to `status` per ref."""

    name = "plain"

    async def status(self, ctx: AdapterContext, ref: FlowRef) -> FlowStatus:
        if ref.tx_hash.endswith("3"):
            raise RpcResponseError("no answer for this one")
        return FlowStatus(Status.PENDING, ref.tx_hash[-1])


async def test_statuses_of_falls_back_to_status_per_ref_errors_stay_per_ref() -> None:
    got = await statuses_of(_PlainAdapter(), None, [_ref(i) for i in range(1, 5)])  # type: ignore[arg-type]
    assert [s.native if isinstance(s, FlowStatus) else type(s) for s in got] == [
        "1",
        "2",
        RpcResponseError,
        "4",
    ]


def test_quiet_journal_skips_only_unchanged_writes(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j.sqlite3")
    fid = j.create_flow(
        kind="eth",
        source_chain=2,
        target_chain=1,
        value=1,
        recipient=A1,
        sender=A1,
        hops=[("plain", "l2-to-l1", 2, 1)],
    )
    j.set_hop_status(fid, 0, "ready-to-prove", "ready-to-prove")
    j.set_status(fid, "ready-to-prove", "ready-to-prove")
    rec = j.get(fid)
    before = rec.updated
    q = _QuietJournal(j, [rec])
    q.set_hop_status(fid, 0, "ready-to-prove", "ready-to-prove")
    q.set_status(fid, "ready-to-prove", "ready-to-prove")
    assert j.get(fid).updated == before  # nothing rewritten
    assert q.get(fid) is rec
    q.set_hop_status(fid, 0, "waiting-to-finalize", "waiting-to-finalize")
    q.set_status(fid, "waiting-to-finalize", "waiting-to-finalize")
    after = j.get(fid)
    assert (after.status, after.hops[0].status) == ("waiting-to-finalize", "waiting-to-finalize")
    assert q.get(fid).status == "waiting-to-finalize"  # read again once written
    j.close()
