"""The local devnet's chains (`interop devnet`, tests, `make demo`).

Contract addresses are filled in by the devnet when it deploys the real bridge contracts; this file
only fixes ids, names and stacks. Chain ids 900-903 are unused by public networks.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, Stack
from interop.chains.predeploys import CROSS_L2_INBOX

DEVNET_L1 = Chain(
    id=900,
    name="devnet-l1",
    stack=Stack.L1,
    block_time_ms=1000,
    aliases=("devnet", "local-l1"),
    short_name="dev",
    testnet=True,
    contracts={ContractName.MULTICALL3: MULTICALL3},
    source="interop devnet",
)

DEVNET_OP = Chain(
    id=901,
    name="devnet-op",
    stack=Stack.OPSTACK,
    parent_id=900,
    block_time_ms=1000,
    aliases=("local-op",),
    short_name="devop",
    testnet=True,
    # runs the interop predeploys (the Superchain adapter's marker; membership is read on chain)
    contracts={ContractName.MULTICALL3: MULTICALL3, "cross_l2_inbox": CROSS_L2_INBOX},
    source="interop devnet",
)

DEVNET_OP2 = Chain(
    id=902,
    name="devnet-op2",
    stack=Stack.OPSTACK,
    parent_id=900,
    block_time_ms=1000,
    aliases=("local-op2",),
    short_name="devop2",
    testnet=True,
    contracts={ContractName.MULTICALL3: MULTICALL3, "cross_l2_inbox": CROSS_L2_INBOX},
    source="interop devnet",
)

DEVNET_ARB = Chain(
    id=903,
    name="devnet-arb",
    stack=Stack.ARBITRUM,
    parent_id=900,
    block_time_ms=250,
    aliases=("local-arb",),
    short_name="devarb",
    testnet=True,
    contracts={ContractName.MULTICALL3: MULTICALL3},
    source="interop devnet",
)

CHAINS = (DEVNET_L1, DEVNET_OP, DEVNET_OP2, DEVNET_ARB)
