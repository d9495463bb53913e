"""Dispute games answer `l2SequenceNumber()` (newer contract releases, and what current viem
calls) or only `l2BlockNumber()` (older ones, the devnet's 0.17.3 games): `game_l2_number`
asks the game, chosen by what it answers, and remembers the answer per game implementation.

The games here are tiny contracts planted on the devnet's L1 that answer exactly the chosen
selectors (a real node executes them); the devnet's real fault dispute games are exercised by
the fault-proof withdrawal in test_opstack_flows.py, which proves through the same function.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pytest
from eth_utils.crypto import keccak

from interop.adapters.opstack.withdraw import game_l2_number
from interop.client import ChainClient
from interop.devnet.core import Devnet
from interop.errors import BridgeError
from interop.rpc.base import Call, Transport
from interop.types import to_address

pytestmark = pytest.mark.integration

SEQ = keccak(b"l2SequenceNumber()")[:4]
BLOCK = keccak(b"l2BlockNumber()")[:4]


def _game_code(answers: dict[bytes, int]) -> str:
    """Runtime code answering each 4-byte selector in `answers` with its uint256, reverting
    (empty data, as a contract without the function does) on anything else."""
    head = bytes.fromhex("60003560e01c")  # PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR
    branch_len, tail = 1 + 5 + 1 + 3 + 1, bytes.fromhex("600080fd")  # ... PUSH1 0 DUP1 REVERT
    start = len(head) + branch_len * len(answers) + len(tail)
    body, branches = b"", b""
    for sel, value in answers.items():
        dest = start + len(body)
        # DUP1 PUSH4 sel EQ PUSH2 dest JUMPI
        branches += b"\x80\x63" + sel + b"\x14\x61" + dest.to_bytes(2, "big") + b"\x57"
        # JUMPDEST PUSH32 value PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
        body += b"\x5b\x7f" + value.to_bytes(32, "big") + bytes.fromhex("60005260206000f3")
    return "0x" + (head + branches + tail + body).hex()


class Counting:
    """The devnet transport, counting the `eth_call`s each address receives."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.calls: list[str] = []

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        if method == "eth_call":
            self.calls.append(str(params[0]["data"])[:10])
        return await self.inner.request(method, params)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return [await self.request(m, p) for m, p in calls]

    async def aclose(self) -> None:
        pass


async def _plant(l1: ChainClient, answers: dict[bytes, int]) -> str:
    addr = to_address(os.urandom(20))
    await l1.request("anvil_setCode", [addr, _game_code(answers)])
    return addr


async def test_game_number_by_what_the_game_answers(devnet: Devnet) -> None:
    t = Counting(devnet.transport(900))
    l1 = ChainClient(devnet.chain(900), t, owns_transport=False)
    factory = to_address(os.urandom(20))  # a cache key only: one "implementation" per type
    newer = await _plant(l1, {SEQ: 42})
    older = await _plant(l1, {BLOCK: 43})
    both = await _plant(l1, {SEQ: 44, BLOCK: 45})
    neither = await _plant(l1, {})
    assert await game_l2_number(l1, newer, factory=factory, game_type=1) == 42
    assert await game_l2_number(l1, both, factory=factory, game_type=3) == 44  # the newer name
    # an older implementation: l2SequenceNumber reverts, l2BlockNumber answers ...
    t.calls.clear()
    assert await game_l2_number(l1, older, factory=factory, game_type=2) == 43
    assert t.calls == ["0x" + SEQ.hex(), "0x" + BLOCK.hex()]
    # ... and is asked by its own name from then on
    t.calls.clear()
    assert await game_l2_number(l1, older, factory=factory, game_type=2) == 43
    assert t.calls == ["0x" + BLOCK.hex()]
    # an upgrade behind the same game type is re-learned, not a failure
    assert await game_l2_number(l1, newer, factory=factory, game_type=2) == 42
    with pytest.raises(BridgeError):
        await game_l2_number(l1, neither, factory=factory, game_type=4)
