"""Addresses fixed by the protocol (the same on every ZK chain).

System contracts sit in the kernel space below 2**16 (era-contracts
`system-contracts/contracts/Constants.sol`, `SYSTEM_CONTRACTS_OFFSET = 0x8000`); the L2 side of
the shared bridge since the v26 upgrade in the user space from 0x10000 (era-contracts
`l1-contracts/contracts/common/l2-helpers/L2ContractAddresses.sol`).
"""

from __future__ import annotations

from typing import Final

from interop.types import Address, to_address

__all__ = [
    "BOOTLOADER",
    "CONTRACT_DEPLOYER",
    "ETH_TOKEN_L1",
    "L1_MESSENGER",
    "L2_ASSET_ROUTER",
    "L2_BASE_TOKEN",
    "L2_BRIDGEHUB",
    "L2_MESSAGE_ROOT",
    "L2_NATIVE_TOKEN_VAULT",
    "MSG_VALUE_SIMULATOR",
    "NONCE_HOLDER",
    "SYSTEM_CONTEXT",
]


def _sys(n: int) -> Address:
    return to_address("0x" + f"{n:040x}")


BOOTLOADER: Final = _sys(0x8001)
NONCE_HOLDER: Final = _sys(0x8003)
CONTRACT_DEPLOYER: Final = _sys(0x8006)
L1_MESSENGER: Final = _sys(0x8008)
"""`L1Messenger`: `sendToL1(bytes)` emits `L1MessageSent` and an L2->L1 log (see `logs`)."""
MSG_VALUE_SIMULATOR: Final = _sys(0x8009)
L2_BASE_TOKEN: Final = _sys(0x800A)
"""`L2BaseToken` (ETH on Era): `withdraw(address)`, `withdrawWithMessage(address,bytes)`."""
SYSTEM_CONTEXT: Final = _sys(0x800B)
L2_BRIDGEHUB: Final = _sys(0x10002)
L2_ASSET_ROUTER: Final = _sys(0x10003)
L2_NATIVE_TOKEN_VAULT: Final = _sys(0x10004)
L2_MESSAGE_ROOT: Final = _sys(0x10005)
ETH_TOKEN_L1: Final = _sys(1)
"""How the L1 contracts name ETH (`ETH_TOKEN_ADDRESS`, e.g. in `claimFailedDeposit`'s `_l1Token`)."""
