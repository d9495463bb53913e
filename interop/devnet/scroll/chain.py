"""The devnet's Scroll L2 (chain id 905, next to L1 900, OP Stack 901/902, Arbitrum 903 and
Linea 904). Contract addresses are filled in when the `scroll` component deploys them."""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, Stack

__all__ = ["DEVNET_SCROLL", "L2_ETH_GATEWAY", "L2_GATEWAY_ROUTER", "L2_MESSENGER"]

L2_MESSENGER = "l2_scroll_messenger"
L2_GATEWAY_ROUTER = "l2_gateway_router"
L2_ETH_GATEWAY = "l2_eth_gateway"
"""Keys in `Chain.contracts`, as in interop/chains/data/scroll.py."""

DEVNET_SCROLL = Chain(
    id=905,
    name="devnet-scroll",
    stack=Stack.SCROLL,
    parent_id=900,
    block_time_ms=1000,
    aliases=("local-scroll",),
    short_name="devscr",
    testnet=True,
    contracts={ContractName.MULTICALL3: MULTICALL3},
    source="interop devnet",
)
