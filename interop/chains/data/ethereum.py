"""Ethereum L1 networks: mainnet and Sepolia.

Sources: ethereum-lists/chains (`_data/chains/eip155-1.json`, `eip155-11155111.json`) for ids and
ERC-3770 short names; the public RPC and explorer are the ones the superchain-registry lists for its
L1s (`superchain/configs/{mainnet,sepolia}/superchain.toml`); Multicall3 from viem's definitions.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, NativeCurrency, Stack

MAINNET = Chain(
    id=1,
    name="Ethereum",
    stack=Stack.L1,
    block_time_ms=12_000,
    rpc_urls=("https://ethereum-rpc.publicnode.com",),
    explorer="https://etherscan.io",
    aliases=("mainnet", "ethereum-mainnet", "eth-mainnet", "homestead"),
    short_name="eth",
    contracts={ContractName.MULTICALL3: MULTICALL3},
    source=(
        "ethereum-lists/chains _data/chains/eip155-1.json; ethereum-optimism/superchain-registry "
        "superchain/configs/mainnet/superchain.toml @ 8336d2aedd19b87a57b01ae36ba4afef8ea377d0"
    ),
)

SEPOLIA = Chain(
    id=11155111,
    name="Sepolia",
    stack=Stack.L1,
    native_currency=NativeCurrency(name="Sepolia Ether", symbol="ETH", decimals=18),
    block_time_ms=12_000,
    rpc_urls=("https://ethereum-sepolia-rpc.publicnode.com",),
    explorer="https://sepolia.etherscan.io",
    aliases=("ethereum-sepolia", "eth-sepolia"),
    short_name="sep",
    testnet=True,
    contracts={ContractName.MULTICALL3: MULTICALL3},
    source=(
        "ethereum-lists/chains _data/chains/eip155-11155111.json; "
        "ethereum-optimism/superchain-registry superchain/configs/sepolia/superchain.toml "
        "@ 8336d2aedd19b87a57b01ae36ba4afef8ea377d0"
    ),
)

CHAINS = (MAINNET, SEPOLIA)
