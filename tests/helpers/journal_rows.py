"""Rows both journals' hop-index tests write (tests/unit/test_journal_hop_index.py on SQLite,
tests/integration/test_journal_pg_hop_index.py on PostgreSQL): one flow shape, refs that name
a transaction hash and data hashes, one signed transfer."""

from __future__ import annotations

from typing import Any

from interop.adapters.base import Direction, FlowKind, FlowRef
from interop.journal import Journal
from interop.types import to_hash32

KEY = "0x" + "4c" * 32
SENDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
TX = {"to": "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "value": 1, "gas": 21000,
      "maxFeePerGas": 10**9, "maxPriorityFeePerGas": 1, "nonce": 0, "chainId": 900}  # fmt: skip


def h(n: int) -> str:
    """The n-th test hash."""
    return to_hash32(n.to_bytes(32, "big"))


def ref(tx: str, **data: Any) -> FlowRef:
    """An OP withdrawal's ref naming `tx` and `data` (whose hashes the index must find)."""
    return FlowRef("opstack", Direction.L2_TO_L1, FlowKind.ETH, 901, 900, to_hash32(tx), data)


def flow(j: Journal, flow_id: str | None = None) -> str:
    """A two-hop flow (OP -> L1 -> Arbitrum) in `j`; its id."""
    return j.create_flow(
        kind="eth", source_chain=901, target_chain=900, value=1, recipient=SENDER, sender=SENDER,
        hops=[("opstack", "l2-to-l1", 901, 900), ("arbitrum", "l1-to-l2", 900, 903)],
        flow_id=flow_id,
    )  # fmt: skip
