"""The devnet's Linea L2 (chain id 904, next to L1 900, OP Stack 901/902 and Arbitrum 903).

Chain data is H5's `interop/chains/data/devnet.py`; until it lists this chain the Linea devnet
component and its tests use this definition. Contract addresses are filled in at start.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, Stack

__all__ = ["DEVNET_LINEA", "L2_MESSAGE_SERVICE"]

L2_MESSAGE_SERVICE = "l2_message_service"
"""Key of the L2MessageService in `Chain.contracts` (as in interop/chains/data/linea.py)."""

DEVNET_LINEA = Chain(
    id=904,
    name="devnet-linea",
    stack=Stack.LINEA,
    parent_id=900,
    block_time_ms=1000,
    aliases=("local-linea",),
    short_name="devlinea",
    testnet=True,
    contracts={ContractName.MULTICALL3: MULTICALL3},
    source="interop devnet",
)
