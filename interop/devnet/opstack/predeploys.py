"""L2 predeploys on an `anvil --network optimism` node: real runtime code, initialised storage.

An OP chain's genesis puts these contracts behind proxies at fixed 0x4200... addresses. anvil has
none, so we place the implementations' runtime code directly at the predeploy addresses with
`anvil_setCode` (none of them has immutables, so the runtime code is complete) and write what
their initializers would have written with `anvil_setStorageAt`, at the slots the artifacts'
storage layout names. Writing storage instead of calling `initialize` creates no L2 blocks, so the
L2 chain starts at block 0 with everything in place.

`L1Block` holds the L1 values an op-node would write with its first (system) deposit of every
block; the relayer refreshes them through `set_l1_block_values` (see relayer.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from interop.chains.predeploys import (
    GAS_PRICE_ORACLE,
    L1_BLOCK,
    L2_CROSS_DOMAIN_MESSENGER,
    L2_STANDARD_BRIDGE,
    L2_TO_L1_MESSAGE_PASSER,
)
from interop.client import ChainClient
from interop.devnet.opstack.artifacts import load
from interop.types import ZERO_ADDRESS, Address

__all__ = [
    "GAS_PRICE_ORACLE",
    "L1_BLOCK",
    "L2_CROSS_DOMAIN_MESSENGER",
    "L2_STANDARD_BRIDGE",
    "L2_TO_L1_MESSAGE_PASSER",
    "PREDEPLOYS",
    "install_predeploys",
    "set_l1_block_values",
]


PREDEPLOYS: dict[str, Address] = {
    "L2CrossDomainMessenger": L2_CROSS_DOMAIN_MESSENGER,
    "GasPriceOracle": GAS_PRICE_ORACLE,
    "L2StandardBridge": L2_STANDARD_BRIDGE,
    "L1Block": L1_BLOCK,
    "L2ToL1MessagePasser": L2_TO_L1_MESSAGE_PASSER,
}

DEFAULT_L2_SENDER = 0x000000000000000000000000000000000000DEAD
ZERO_ADDRESS_BALANCE = 10**9 * 10**18


def _slots(contract: str, values: Mapping[str, int]) -> dict[int, int]:
    """Pack label -> value into slot -> word using the artifact's storage layout."""
    art = load(contract)
    words: dict[int, int] = {}
    for label, value in values.items():
        slot, offset = art.slot(label)
        words[slot] = words.get(slot, 0) | (int(value) << (8 * offset))
    return words


async def _write(client: ChainClient, address: str, words: Mapping[int, int]) -> None:
    await asyncio.gather(
        *(
            client.request(
                "anvil_setStorageAt",
                [address, hex(slot), "0x" + word.to_bytes(32, "big").hex()],
            )
            for slot, word in words.items()
        )
    )


async def install_predeploys(
    l2: ChainClient, *, l1_messenger: Address, l1_standard_bridge: Address
) -> None:
    """Code + initializer storage for the predeploys; `l1_*` are the L1 proxies they pair with."""
    await asyncio.gather(
        *(
            l2.request("anvil_setCode", [addr, "0x" + load(name).deployed_bytecode.hex()])
            for name, addr in PREDEPLOYS.items()
        )
    )
    await asyncio.gather(
        _write(
            l2,
            L2_CROSS_DOMAIN_MESSENGER,
            _slots(
                "L2CrossDomainMessenger",
                {
                    "_initialized": 1,
                    "xDomainMsgSender": DEFAULT_L2_SENDER,
                    "otherMessenger": int(l1_messenger, 16),
                },
            ),
        ),
        _write(
            l2,
            L2_STANDARD_BRIDGE,
            _slots(
                "L2StandardBridge",
                {
                    "_initialized": 1,
                    "messenger": int(L2_CROSS_DOMAIN_MESSENGER, 16),
                    "otherBridge": int(l1_standard_bridge, 16),
                },
            ),
        ),
        # Holocene implies Ecotone and Fjord: the oracle must use the Fjord fee formula too.
        _write(l2, GAS_PRICE_ORACLE, _slots("GasPriceOracle", {"isEcotone": 1, "isFjord": 1})),
        # anvil charges the L1 data fee even inside eth_call / eth_estimateGas (op-geth does
        # not), so once L1Block holds a base fee every call without `from` (sent as the zero
        # address) would fail with "insufficient funds". Funding the zero address restores the
        # op-geth behaviour for such calls; calls *from* an unfunded account still fail.
        l2.request("anvil_setBalance", [ZERO_ADDRESS, hex(ZERO_ADDRESS_BALANCE)]),
    )


async def set_l1_block_values(
    l2: ChainClient,
    *,
    number: int,
    timestamp: int,
    basefee: int,
    block_hash: bytes,
    blob_base_fee: int,
    batcher_hash: bytes,
    base_fee_scalar: int,
    blob_base_fee_scalar: int,
    sequence_number: int = 0,
) -> None:
    """What `L1Block.setL1BlockValuesEcotone` stores, written directly (no L2 block is mined)."""
    words = _slots(
        "L1Block",
        {
            "number": number,
            "timestamp": timestamp,
            "basefee": basefee,
            "hash": int.from_bytes(block_hash, "big"),
            "sequenceNumber": sequence_number,
            "blobBaseFeeScalar": blob_base_fee_scalar,
            "baseFeeScalar": base_fee_scalar,
            "batcherHash": int.from_bytes(batcher_hash, "big"),
            "blobBaseFee": blob_base_fee,
        },
    )
    await _write(l2, L1_BLOCK, words)
