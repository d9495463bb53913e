"""L1->L2 address aliasing, shared by the OP Stack and Arbitrum (same formula on both).

A contract on L1 that sends a message to L2 appears there as `address + 0x1111...1111` (mod
2**160), so it cannot impersonate an L2 contract at the same address. Funds sent "from" a contract
can therefore land on an address nobody controls unless the contract is deployed on L2 at the
aliased address; adapters refuse that unless the caller opts in.
"""

from __future__ import annotations

from interop.types import Address, to_address

__all__ = ["ALIAS_OFFSET", "apply_l1_to_l2_alias", "undo_l1_to_l2_alias"]

ALIAS_OFFSET = 0x1111000000000000000000000000000000001111
_MASK = (1 << 160) - 1


def apply_l1_to_l2_alias(address: str) -> Address:
    a = int(to_address(address), 16)
    return to_address(((a + ALIAS_OFFSET) & _MASK).to_bytes(20, "big"))


def undo_l1_to_l2_alias(address: str) -> Address:
    a = int(to_address(address), 16)
    return to_address(((a - ALIAS_OFFSET) & _MASK).to_bytes(20, "big"))
