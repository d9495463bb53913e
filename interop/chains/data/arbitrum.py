"""Arbitrum (Nitro) chains settling on Ethereum: Arbitrum One, Arbitrum Nova, Arbitrum Sepolia.

Sources: @arbitrum/sdk `src/lib/dataEntities/networks.ts` (ethBridge: bridge, inbox, outbox,
sequencerInbox; tokenBridge: l1GatewayRouter / l2GatewayRouter) and the Arbitrum docs page
"Smart contract addresses" (docs.arbitrum.io/arbitrum-essentials/reference/contract-addresses).
The `rollup` addresses are the post-BoLD rollup proxies (Arbitrum One 0x4DCe…Cfc0, Nova
0xE7E8…B7Bd, Sepolia 0x042B…0Cf4; arbitrum-docs PRs #1916 / #2066 "update … addresses for
bold"); bridge, inbox, outbox, sequencer inbox and gateways did not move in that upgrade.
ERC-3770 short names from ethereum-lists/chains; Multicall3 from viem's chain definitions.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, NativeCurrency, Stack
from interop.types import Address

__all__ = ["ARBITRUM_NOVA", "ARBITRUM_ONE", "ARBITRUM_SEPOLIA", "CHAINS"]

_SOURCE = "@arbitrum/sdk networks.ts; docs.arbitrum.io contract-addresses (post-BoLD rollups)"


def _arb_l1(
    *, bridge: str, inbox: str, outbox: str, rollup: str, sequencer_inbox: str, router: str
) -> dict[str, Address]:
    return {
        ContractName.ARB_BRIDGE: Address(bridge),
        ContractName.ARB_INBOX: Address(inbox),
        ContractName.ARB_OUTBOX: Address(outbox),
        ContractName.ARB_ROLLUP: Address(rollup),
        ContractName.ARB_SEQUENCER_INBOX: Address(sequencer_inbox),
        ContractName.ARB_GATEWAY_ROUTER: Address(router),
    }


ARBITRUM_ONE = Chain(
    id=42161,
    name="Arbitrum One",
    stack=Stack.ARBITRUM,
    parent_id=1,
    block_time_ms=250,
    rpc_urls=("https://arb1.arbitrum.io/rpc",),
    explorer="https://arbiscan.io",
    aliases=("arbitrum", "arb", "arbitrum-mainnet"),
    short_name="arb1",
    contracts={
        ContractName.MULTICALL3: MULTICALL3,
        "l2_gateway_router": Address("0x5288c571Fd7aD117beA99bF60FE0846C4E84F933"),
    },
    parent_contracts={
        1: _arb_l1(
            bridge="0x8315177aB297bA92A06054cE80a67Ed4DBd7ed3a",
            inbox="0x4Dbd4fc535Ac27206064B68FfCf827b0A60BAB3f",
            outbox="0x0B9857ae2D4A3DBe74ffE1d7DF045bb7F96E4840",
            rollup="0x4DCeB440657f21083db8aDd07665f8ddBe1DCfc0",
            sequencer_inbox="0x1c479675ad559DC151F6Ec7ed3FbF8ceE79582B6",
            router="0x72Ce9c846789fdB6fC1f34aC4AD25Dd9ef7031ef",
        )
    },
    source=_SOURCE,
)

ARBITRUM_NOVA = Chain(
    id=42170,
    name="Arbitrum Nova",
    stack=Stack.ARBITRUM,
    parent_id=1,
    block_time_ms=250,
    rpc_urls=("https://nova.arbitrum.io/rpc",),
    explorer="https://nova.arbiscan.io",
    aliases=("nova",),
    short_name="arb-nova",
    contracts={
        ContractName.MULTICALL3: MULTICALL3,
        "l2_gateway_router": Address("0x21903d3F8176b1a0c17E953Cd896610Be9fFDFa8"),
    },
    parent_contracts={
        1: _arb_l1(
            bridge="0xC1Ebd02f738644983b6C4B2d440b8e77DdE276Bd",
            inbox="0xc4448b71118c9071Bcb9734A0EAc55D18A153949",
            outbox="0xD4B80C3D7240325D18E645B49e6535A3Bf95cc58",
            rollup="0xE7E8cCC7c381809BDC4b213CE44016300707B7Bd",
            sequencer_inbox="0x211E1c4c7f1bF5351Ac850Ed10FD68CFfCF6c21b",
            router="0xC840838Bc438d73C16c2f8b22D2Ce3669963cD48",
        )
    },
    source=_SOURCE,
)

ARBITRUM_SEPOLIA = Chain(
    id=421614,
    name="Arbitrum Sepolia",
    stack=Stack.ARBITRUM,
    parent_id=11155111,
    native_currency=NativeCurrency(name="Sepolia Ether", symbol="ETH", decimals=18),
    block_time_ms=250,
    rpc_urls=("https://sepolia-rollup.arbitrum.io/rpc",),
    explorer="https://sepolia.arbiscan.io",
    aliases=("arb-sepolia", "arbitrum-sepolia-testnet"),
    short_name="arb-sep",
    testnet=True,
    contracts={
        ContractName.MULTICALL3: MULTICALL3,
        "l2_gateway_router": Address("0x9fDD1C4E4AA24EEc1d913FABea925594a20d43C7"),
    },
    parent_contracts={
        11155111: _arb_l1(
            bridge="0x38f918D0E9F1b721EDaA41302E399fa1B79333a9",
            inbox="0xaAe29B0366299461418F5324a79Afc425BE5ae21",
            outbox="0x65f07C7D521164a4d5DaC6eB8Fac8DA067A3B78F",
            rollup="0x042B2E6C5E99d4c521bd49beeD5E99651D9B0Cf4",
            sequencer_inbox="0x6c97864CE4bEf387dE0b3310A44230f7E3F1be0D",
            router="0xcE18836b233C83325Cc8848CA4487e94C6288264",
        )
    },
    source=_SOURCE,
)

CHAINS = (ARBITRUM_ONE, ARBITRUM_NOVA, ARBITRUM_SEPOLIA)
