"""Chains as data: built-in networks with their canonical bridge addresses, a registry to look
them up by id / name / alias / short name, and a loader for user chain files.

>>> from interop.chains import get_chain, BASE
>>> get_chain("base") is BASE
True
"""

from __future__ import annotations

from interop.chains.data.arbitrum import ARBITRUM_NOVA, ARBITRUM_ONE, ARBITRUM_SEPOLIA
from interop.chains.data.devnet import DEVNET_ARB, DEVNET_L1, DEVNET_OP, DEVNET_OP2
from interop.chains.data.ethereum import MAINNET, SEPOLIA
from interop.chains.data.linea import LINEA, LINEA_SEPOLIA
from interop.chains.data.opstack import (
    BASE,
    BASE_SEPOLIA,
    INK,
    INK_SEPOLIA,
    MODE,
    MODE_SEPOLIA,
    OP_MAINNET,
    OP_SEPOLIA,
    SONEIUM,
    SONEIUM_MINATO,
    UNICHAIN,
    UNICHAIN_SEPOLIA,
    WORLD_CHAIN,
    WORLD_CHAIN_SEPOLIA,
    ZORA,
    ZORA_SEPOLIA,
)
from interop.chains.data.scroll import SCROLL, SCROLL_SEPOLIA
from interop.chains.data.zksync import ZKSYNC_ERA, ZKSYNC_MULTICALL3, ZKSYNC_SEPOLIA
from interop.chains.loader import chain_from_dict, chain_to_dict, dump_chains, load_chains
from interop.chains.model import MULTICALL3, Chain, ContractName, NativeCurrency, Stack, stack_name
from interop.chains.registry import (
    ChainRegistry,
    all_chains,
    default_registry,
    get_chain,
    normalize_key,
)

__all__ = [
    "ARBITRUM_NOVA",
    "ARBITRUM_ONE",
    "ARBITRUM_SEPOLIA",
    "BASE",
    "BASE_SEPOLIA",
    "DEVNET_ARB",
    "DEVNET_L1",
    "DEVNET_OP",
    "DEVNET_OP2",
    "INK",
    "INK_SEPOLIA",
    "LINEA",
    "LINEA_SEPOLIA",
    "MAINNET",
    "MODE",
    "MODE_SEPOLIA",
    "MULTICALL3",
    "OP_MAINNET",
    "OP_SEPOLIA",
    "SCROLL",
    "SCROLL_SEPOLIA",
    "SEPOLIA",
    "SONEIUM",
    "SONEIUM_MINATO",
    "UNICHAIN",
    "UNICHAIN_SEPOLIA",
    "WORLD_CHAIN",
    "WORLD_CHAIN_SEPOLIA",
    "ZKSYNC_ERA",
    "ZKSYNC_MULTICALL3",
    "ZKSYNC_SEPOLIA",
    "ZORA",
    "ZORA_SEPOLIA",
    "Chain",
    "ChainRegistry",
    "ContractName",
    "NativeCurrency",
    "Stack",
    "all_chains",
    "chain_from_dict",
    "chain_to_dict",
    "default_registry",
    "dump_chains",
    "get_chain",
    "load_chains",
    "normalize_key",
    "stack_name",
]
