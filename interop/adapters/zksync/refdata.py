"""The ZKsync adapter's ref codec: what `FlowRef.data` holds, by version.

Version 1 (current):
- L1 -> L2 (deposit or message): the priority operation as `NewPriorityRequest` carried it:
  `l2_hash` (the canonical L2 transaction hash), `txid` (its priority-queue id), `sender` (the
  L2 `from`, aliased when an L1 contract sent it), `to`, `l2_value` and `mint` (wei, decimal
  strings), `refund_recipient`, `calldata` (0x-hex).
- L2 -> L1 (withdrawal): the message `L1Messenger` sent: `l2_sender` (who called `sendToL1`:
  0x…800A for an ETH withdrawal), `message` (0x-hex), `log_index` (its index among the
  transaction's L2->L1 messages, the `index` of `zks_getL2ToL1LogProof`), and for an ETH
  withdrawal `l1_receiver` and `amount` (decoded from the message).
Nothing is a search hint: `flow_from_tx` rebuilds every key exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interop.adapters.base import Direction, FlowRef
from interop.errors import InputError
from interop.types import hex_to_bytes, to_address, to_hash32

__all__ = ["REBUILD_MAY_DIFFER", "REF_VERSION", "check_data"]

REF_VERSION = 1
REBUILD_MAY_DIFFER: frozenset[str] = frozenset()

_DEPOSIT = {"l2_hash", "txid", "sender", "to", "l2_value", "mint", "refund_recipient", "calldata"}
_WITHDRAWAL = {"l2_sender", "message", "log_index"}


def check_data(ref: FlowRef) -> dict[str, Any]:
    """The ref's data, validated; `InputError` naming the versions for a ref this release
    cannot read (newer, or of unknown shape)."""
    if not 1 <= ref.version <= REF_VERSION:
        raise InputError(
            f"zksync ref data version {ref.version} is not one this release reads "
            f"(1..{REF_VERSION})",
            hint="upgrade interop to the release that wrote this flow",
        )
    d: Mapping[str, Any] = ref.data
    want = _DEPOSIT if ref.direction is Direction.L1_TO_L2 else _WITHDRAWAL
    missing = want - set(d)
    if missing:
        raise InputError(f"zksync ref data (version {ref.version}) lacks {sorted(missing)}")
    try:
        if ref.direction is Direction.L1_TO_L2:
            to_hash32(d["l2_hash"])
            int(d["txid"]), int(d["l2_value"]), int(d["mint"])
            to_address(d["sender"]), to_address(d["to"]), to_address(d["refund_recipient"])
            hex_to_bytes(str(d["calldata"]))
        else:
            to_address(d["l2_sender"])
            hex_to_bytes(str(d["message"]))
            int(d["log_index"])
            if "amount" in d:
                int(d["amount"]), to_address(d["l1_receiver"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"zksync ref data is malformed: {type(exc).__name__}: {exc}") from None
    except InputError as exc:
        raise InputError(f"zksync ref data is malformed: {exc.message}") from None
    return dict(d)
