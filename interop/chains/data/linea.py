"""Linea (59144) and Linea Sepolia (59141).

Source: Linea docs "Contracts" (docs.linea.build/network/build/contracts, Consensys/doc.linea
`docs/network/build/contracts.mdx`): `LineaRollup` (the L1 message service), L1/L2 token bridges
and the L2 message service. Multicall3 from viem's `linea` / `lineaSepolia` definitions.
Re-checked 2026-12-01 against contracts.mdx @ 3f3757a3: unchanged on both networks.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, NativeCurrency, Stack
from interop.types import Address

__all__ = ["CHAINS", "LINEA", "LINEA_SEPOLIA"]

_SOURCE = (
    "Consensys/doc.linea docs/network/build/contracts.mdx "
    "@ 3f3757a3a374167047d729abbafbcc637dfdb0c0; viem linea.ts (multicall3)"
)

LINEA = Chain(
    id=59144,
    name="Linea",
    stack=Stack.LINEA,
    parent_id=1,
    native_currency=NativeCurrency(name="Linea Ether", symbol="ETH", decimals=18),
    block_time_ms=2000,
    rpc_urls=("https://rpc.linea.build",),
    explorer="https://lineascan.build",
    aliases=("linea-mainnet",),
    short_name="linea",
    contracts={
        ContractName.MULTICALL3: MULTICALL3,
        "l2_message_service": Address("0x508Ca82Df566dCD1B0DE8296e70a96332cD644ec"),
        "l2_token_bridge": Address("0x353012dc4a9A6cF55c941bADC267f82004A8ceB9"),
    },
    parent_contracts={
        1: {
            ContractName.LINEA_MESSAGE_SERVICE: Address(
                "0xd19d4B5d358258f05D7B411E21A1460D11B0876F"
            ),
            ContractName.LINEA_TOKEN_BRIDGE: Address("0x051F1D88f0aF5763fB888eC4378b4D8B29ea3319"),
        }
    },
    source=_SOURCE,
)

LINEA_SEPOLIA = Chain(
    id=59141,
    name="Linea Sepolia",
    stack=Stack.LINEA,
    parent_id=11155111,
    native_currency=NativeCurrency(name="Linea Ether", symbol="ETH", decimals=18),
    block_time_ms=2000,
    rpc_urls=("https://rpc.sepolia.linea.build",),
    explorer="https://sepolia.lineascan.build",
    aliases=("linea-sepolia-testnet",),
    short_name="linea-sepolia",
    testnet=True,
    contracts={
        ContractName.MULTICALL3: MULTICALL3,
        "l2_message_service": Address("0x971e727e956690b9957be6d51Ec16E73AcAC83A7"),
        "l2_token_bridge": Address("0x93DcAdf238932e6e6a85852caC89cBd71798F463"),
    },
    parent_contracts={
        11155111: {
            ContractName.LINEA_MESSAGE_SERVICE: Address(
                "0xB218f8A4Bc926cF1cA7b3423c154a0D627Bdb7E5"
            ),
            ContractName.LINEA_TOKEN_BRIDGE: Address("0x5A0a48389BB0f12E5e017116c1105da97E129142"),
        }
    },
    source=_SOURCE,
)

CHAINS = (LINEA, LINEA_SEPOLIA)
