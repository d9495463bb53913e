"""The devnet's ZKsync chain (id 906, next to L1 900, OP 901/902, Arbitrum 903, Linea 904,
Scroll 905). Contract addresses are filled in when the component deploys its L1 contracts."""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, Stack

__all__ = ["DEVNET_ZKSYNC"]

DEVNET_ZKSYNC = Chain(
    id=906,
    name="devnet-zksync",
    stack=Stack.ZKSYNC,
    parent_id=900,
    block_time_ms=1000,
    aliases=("local-zksync",),
    short_name="devzk",
    testnet=True,
    contracts={ContractName.MULTICALL3: MULTICALL3},
    source="interop devnet (ZKsync emulation)",
)
