"""ZKsync Era (324) and ZKsync Sepolia (300), settling on Ethereum mainnet / Sepolia.

Sources: ZKsync docs "ZK chain addresses" (docs.zksync.io/zksync-protocol/contracts/l1-contracts/
zk-chain-addresses) and "Useful addresses" for the Bridgehub, the Era diamond proxy, the L1 shared
bridge and the L1 nullifier. Since the v26 (gateway) upgrade, `Bridgehub.sharedBridge()` is the
L1AssetRouter (mainnet 0x8829…cE56) and the former L1SharedBridge proxy (0xD7f9…B2cB) is the
L1Nullifier that finalizes withdrawals; both are listed (l2beat discovery and matter-labs
governance scripts agree). On Sepolia only the asset router (`l1_shared_bridge`) is listed: the
nullifier address was not found in a source we could cite. Multicall3 lives at a different
address on ZKsync (different CREATE2 derivation): viem's `zksync` definitions. Re-checked
2026-12-01: unchanged (matter-labs/zksync-docs page; l2beat discovery lists the same proxies).
"""

from __future__ import annotations

from interop.chains.model import Chain, ContractName, NativeCurrency, Stack
from interop.types import Address

__all__ = ["CHAINS", "ZKSYNC_ERA", "ZKSYNC_MULTICALL3", "ZKSYNC_SEPOLIA"]

ZKSYNC_MULTICALL3 = Address("0xF9cda624FBC7e059355ce98a31693d299FACd963")

ZKSYNC_ERA = Chain(
    id=324,
    name="ZKsync Era",
    stack=Stack.ZKSYNC,
    parent_id=1,
    block_time_ms=200,
    rpc_urls=("https://mainnet.era.zksync.io",),
    explorer="https://explorer.zksync.io",
    aliases=("era", "zk", "zksync-mainnet"),
    short_name="zksync",
    contracts={ContractName.MULTICALL3: ZKSYNC_MULTICALL3},
    parent_contracts={
        1: {
            ContractName.ZK_BRIDGEHUB: Address("0x303a465B659cBB0ab36eE643eA362c509EEb5213"),
            ContractName.ZK_DIAMOND_PROXY: Address("0x32400084C286CF3E17e7B677ea9583e60a000324"),
            ContractName.ZK_SHARED_BRIDGE: Address("0x8829AD80E425C646DAB305381ff105169FeEcE56"),
            ContractName.ZK_NULLIFIER: Address("0xD7f9f54194C633F36CCD5F3da84ad4a1c38cB2cB"),
        }
    },
    source=(
        "matter-labs/zksync-docs zk-chain-addresses page (docs.zksync.io); diamond proxy "
        "cross-checked: unruggable-labs/unruggable-gateways src/zksync/ZKSyncRollup.ts "
        "@ 12d3304f2dcd15717a0bcd77e6e02882985a77c1; viem zksync.ts (multicall3)"
    ),
)

ZKSYNC_SEPOLIA = Chain(
    id=300,
    name="ZKsync Sepolia",
    stack=Stack.ZKSYNC,
    parent_id=11155111,
    native_currency=NativeCurrency(name="Ether", symbol="ETH", decimals=18),
    block_time_ms=200,
    rpc_urls=("https://sepolia.era.zksync.dev",),
    explorer="https://sepolia.explorer.zksync.io",
    aliases=("zksync-era-sepolia", "zksync-sepolia-testnet", "era-sepolia"),
    short_name="zksync-sepolia",
    testnet=True,
    contracts={ContractName.MULTICALL3: ZKSYNC_MULTICALL3},
    parent_contracts={
        11155111: {
            ContractName.ZK_BRIDGEHUB: Address("0x35A54c8C757806eB6820629bc82d90E056394C92"),
            ContractName.ZK_DIAMOND_PROXY: Address("0x9A6DE0f62Aa270A8bCB1e2610078650D539B1Ef9"),
            ContractName.ZK_SHARED_BRIDGE: Address("0x3E8b2fe58675126ed30d0d12dea2A9bda72D18Ae"),
        }
    },
    source=(
        "matter-labs/zksync-docs zk-chain-addresses page (docs.zksync.io); diamond proxy "
        "cross-checked: unruggable-labs/unruggable-gateways src/zksync/ZKSyncRollup.ts "
        "@ 12d3304f2dcd15717a0bcd77e6e02882985a77c1; viem zksyncSepoliaTestnet.ts (multicall3)"
    ),
)

CHAINS = (ZKSYNC_ERA, ZKSYNC_SEPOLIA)
