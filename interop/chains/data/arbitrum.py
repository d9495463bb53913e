"""Arbitrum (Nitro) chains settling on Ethereum: Arbitrum One, Nova, Sepolia; Robinhood Chain Testnet.

Sources (re-checked 2026-12-01; each chain's comment and `Chain.source` name file and commit):

- OffchainLabs/arbitrum-sdk @ 7948889f97bdbb01ef0ba03a98507027ff5586fa,
  `packages/sdk/src/lib/dataEntities/networks.ts` (last changed by 92d3960f "update arb1 and
  nova to bold"): ethBridge (bridge, inbox, outbox, rollup, sequencerInbox) and tokenBridge
  (parent/child gateway router, ERC20 gateway, custom gateway, WETH gateway, child WETH).
- OffchainLabs/arbitrum-docs @ 14e1512ffd32859e65113222aec2e76dbcb02966,
  `docs/partials/_reference-arbitrum-contract-addresses-partial.mdx` (generated from the SDK):
  the same addresses, cross-checked.
- Arbitrum Sepolia's rollup: both files above still name the pre-BoLD rollup 0xd808…81C8; the
  bridge's `rollup()` is the BoLD rollup 0x042B…0Cf4 (e.g. unruggable-labs/unruggable-gateways
  `src/arbitrum/BoLDRollup.ts` @ 1b305bc6, `arb1SepoliaConfig`). We keep the BoLD one;
  `interop.discovery` reads `bridge.rollup()` at run time either way.

Bridge, rollup, outbox and sequencer inbox are also read from chain at run time (inbox ->
bridge -> rollup -> outbox / sequencer inbox, `interop.discovery`): these static values are a
check, and an on-chain answer that differs is used and logged as a WARNING. Gateway keys:
parent side `l1_gateway_router`, `l1_erc20_gateway` (the standard gateway), `l1_custom_gateway`,
`l1_weth_gateway`; child side (`Chain.contracts`) the `l2_` counterparts and `l2_weth`.
ERC-3770 short names from ethereum-lists/chains; Multicall3 from viem's chain definitions.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, NativeCurrency, Stack
from interop.types import Address

__all__ = [
    "ARBITRUM_NOVA",
    "ARBITRUM_ONE",
    "ARBITRUM_SEPOLIA",
    "CHAINS",
    "L1_CUSTOM_GATEWAY",
    "L1_ERC20_GATEWAY",
    "L1_WETH_GATEWAY",
    "ROBINHOOD_TESTNET",
]

SDK = (
    "OffchainLabs/arbitrum-sdk packages/sdk/src/lib/dataEntities/networks.ts "
    "@ 7948889f97bdbb01ef0ba03a98507027ff5586fa"
)
DOCS = (
    "OffchainLabs/arbitrum-docs docs/partials/_reference-arbitrum-contract-addresses-partial.mdx "
    "@ 14e1512ffd32859e65113222aec2e76dbcb02966"
)

L1_ERC20_GATEWAY = "l1_erc20_gateway"
"""The standard ERC-20 gateway on the parent chain (tokens with no custom gateway)."""
L1_CUSTOM_GATEWAY = "l1_custom_gateway"
L1_WETH_GATEWAY = "l1_weth_gateway"

_SEPOLIA_ETHER = NativeCurrency(name="Sepolia Ether", symbol="ETH", decimals=18)


def _arb_l1(
    *,
    bridge: str,
    inbox: str,
    outbox: str,
    rollup: str,
    sequencer_inbox: str,
    router: str,
    erc20_gateway: str,
    custom_gateway: str,
    weth_gateway: str,
) -> dict[str, Address]:
    return {
        ContractName.ARB_BRIDGE: Address(bridge),
        ContractName.ARB_INBOX: Address(inbox),
        ContractName.ARB_OUTBOX: Address(outbox),
        ContractName.ARB_ROLLUP: Address(rollup),
        ContractName.ARB_SEQUENCER_INBOX: Address(sequencer_inbox),
        ContractName.ARB_GATEWAY_ROUTER: Address(router),
        L1_ERC20_GATEWAY: Address(erc20_gateway),
        L1_CUSTOM_GATEWAY: Address(custom_gateway),
        L1_WETH_GATEWAY: Address(weth_gateway),
    }


def _arb_l2(
    *, router: str, erc20_gateway: str, custom_gateway: str, weth_gateway: str, weth: str
) -> dict[str, Address]:
    return {
        ContractName.MULTICALL3: MULTICALL3,
        "l2_gateway_router": Address(router),
        "l2_erc20_gateway": Address(erc20_gateway),
        "l2_custom_gateway": Address(custom_gateway),
        "l2_weth_gateway": Address(weth_gateway),
        "l2_weth": Address(weth),
    }


# Arbitrum One: SDK networks.ts `mainnetETHBridge` / `mainnetTokenBridge` @ 7948889f (BoLD).
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
    contracts=_arb_l2(
        router="0x5288c571Fd7aD117beA99bF60FE0846C4E84F933",
        erc20_gateway="0x09e9222E96E7B4AE2a407B98d48e330053351EEe",
        custom_gateway="0x096760F208390250649E3e8763348E783AEF5562",
        weth_gateway="0x6c411aD3E74De3E7Bd422b94A27770f5B86C623B",
        weth="0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",
    ),
    parent_contracts={
        1: _arb_l1(
            bridge="0x8315177aB297bA92A06054cE80a67Ed4DBd7ed3a",
            inbox="0x4Dbd4fc535Ac27206064B68FfCf827b0A60BAB3f",
            outbox="0x0B9857ae2D4A3DBe74ffE1d7DF045bb7F96E4840",
            rollup="0x4DCeB440657f21083db8aDd07665f8ddBe1DCfc0",
            sequencer_inbox="0x1c479675ad559DC151F6Ec7ed3FbF8ceE79582B6",
            router="0x72Ce9c846789fdB6fC1f34aC4AD25Dd9ef7031ef",
            erc20_gateway="0xa3A7B6F88361F48403514059F1F16C8E78d60EeC",
            custom_gateway="0xcEe284F754E854890e311e3280b767F80797180d",
            weth_gateway="0xd92023E9d9911199a6711321D1277285e6d4e2db",
        )
    },
    source=f"{SDK} (42161); {DOCS}",
)

# Arbitrum Nova: SDK networks.ts entry 42170 @ 7948889f (BoLD).
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
    contracts=_arb_l2(
        router="0x21903d3F8176b1a0c17E953Cd896610Be9fFDFa8",
        erc20_gateway="0xcF9bAb7e53DDe48A6DC4f286CB14e05298799257",
        custom_gateway="0xbf544970E6BD77b21C6492C281AB60d0770451F4",
        weth_gateway="0x7626841cB6113412F9c88D3ADC720C9FAC88D9eD",
        weth="0x722E8BdD2ce80A4422E880164f2079488e115365",
    ),
    parent_contracts={
        1: _arb_l1(
            bridge="0xC1Ebd02f738644983b6C4B2d440b8e77DdE276Bd",
            inbox="0xc4448b71118c9071Bcb9734A0EAc55D18A153949",
            outbox="0xD4B80C3D7240325D18E645B49e6535A3Bf95cc58",
            rollup="0xE7E8cCC7c381809BDC4b213CE44016300707B7Bd",
            sequencer_inbox="0x211E1c4c7f1bF5351Ac850Ed10FD68CFfCF6c21b",
            router="0xC840838Bc438d73C16c2f8b22D2Ce3669963cD48",
            erc20_gateway="0xB2535b988dcE19f9D71dfB22dB6da744aCac21bf",
            custom_gateway="0x23122da8C581AA7E0d07A36Ff1f16F799650232f",
            weth_gateway="0xE4E2121b479017955Be0b175305B35f312330BaE",
        )
    },
    source=f"{SDK} (42170); {DOCS}",
)

# Arbitrum Sepolia: SDK networks.ts entry 421614 @ 7948889f, except the rollup (BoLD, see the
# module docstring).
ARBITRUM_SEPOLIA = Chain(
    id=421614,
    name="Arbitrum Sepolia",
    stack=Stack.ARBITRUM,
    parent_id=11155111,
    native_currency=_SEPOLIA_ETHER,
    block_time_ms=250,
    rpc_urls=("https://sepolia-rollup.arbitrum.io/rpc",),
    explorer="https://sepolia.arbiscan.io",
    aliases=("arb-sepolia", "arbitrum-sepolia-testnet"),
    short_name="arb-sep",
    testnet=True,
    contracts=_arb_l2(
        router="0x9fDD1C4E4AA24EEc1d913FABea925594a20d43C7",
        erc20_gateway="0x6e244cD02BBB8a6dbd7F626f05B2ef82151Ab502",
        custom_gateway="0x8Ca1e1AC0f260BC4dA7Dd60aCA6CA66208E642C5",
        weth_gateway="0xCFB1f08A4852699a979909e22c30263ca249556D",
        weth="0x980B62Da83eFf3D4576C647993b0c1D7faf17c73",
    ),
    parent_contracts={
        11155111: _arb_l1(
            bridge="0x38f918D0E9F1b721EDaA41302E399fa1B79333a9",
            inbox="0xaAe29B0366299461418F5324a79Afc425BE5ae21",
            outbox="0x65f07C7D521164a4d5DaC6eB8Fac8DA067A3B78F",
            rollup="0x042B2E6C5E99d4c521bd49beeD5E99651D9B0Cf4",
            sequencer_inbox="0x6c97864CE4bEf387dE0b3310A44230f7E3F1be0D",
            router="0xcE18836b233C83325Cc8848CA4487e94C6288264",
            erc20_gateway="0x902b3E5f8F19571859F4AB1003B960a5dF693aFF",
            custom_gateway="0xba2F7B6eAe1F9d174199C5E4867b563E0eaC40F3",
            weth_gateway="0xA8aD8d7e13cbf556eE75CB0324c13535d8100e1E",
        )
    },
    source=(
        f"{SDK} (421614); {DOCS}; BoLD rollup: unruggable-labs/unruggable-gateways "
        "src/arbitrum/BoLDRollup.ts @ 1b305bc63fd5a6cc52810004ebb36e38b483f992"
    ),
)

# Robinhood Chain Testnet (46630), an Arbitrum Orbit chain on Sepolia with the standard Nitro
# bridge and token bridge, ETH as gas token. Source: Robinhood's "Protocol contracts" page
# (docs.robinhood.com/chain/protocol-contracts), which we could read only as reproduced in public
# repositories: chrisnwasike/risk-oracle `contracts.md` @ b55748a4705684933306ff29ce9a81474b1d6daf,
# with the same bridge, inbox, outbox, rollup and sequencer inbox in several independent projects'
# code. Chain id, RPC and explorer: DefiLlama/chainlist
# `constants/additionalChainRegistry/chainid-46630.js`. Mainnet (4663) is left out until a
# first-party source is readable here. Discovery checks bridge, rollup and outbox at run time.
ROBINHOOD_TESTNET = Chain(
    id=46630,
    name="Robinhood Chain Testnet",
    stack=Stack.ARBITRUM,
    parent_id=11155111,
    native_currency=NativeCurrency(),
    block_time_ms=100,
    rpc_urls=("https://rpc.testnet.chain.robinhood.com",),
    explorer="https://explorer.testnet.chain.robinhood.com",
    aliases=("robinhood-testnet", "robinhood-chain-testnet"),
    short_name="robinhoodchaintestnet",
    testnet=True,
    contracts=_arb_l2(
        router="0x77bF00A6A90c600f214b34BAFBB7918c0cF113A8",
        erc20_gateway="0x8689aFB9086734e12beA6b5DF541a1da252Ea32a",
        custom_gateway="0xE4EE9C15e2cA44136796342e31b67d953E67a70b",
        weth_gateway="0x5A8F55202A625D12FFCb76F857FE4563bC8Ce413",
        weth="0x7943e237c7F95DA44E0301572D358911207852Fa",
    ),
    parent_contracts={
        11155111: _arb_l1(
            bridge="0x96295BDad104eaD97cC08797b3dC68efF59CcF30",
            inbox="0xF2939afA86F6f933A3CE17fCAB007907B6b0B7a4",
            outbox="0x8D180Caf588f3Da027BEf1F42a106Da93F90b166",
            rollup="0xdc5F8E399DBd8a9F5F87AeC4C23Beb12431b386D",
            sequencer_inbox="0xA0D9dB3DC9791D54b5183C1C1866eFe1eCA7D414",
            router="0xF6F11aAEE80875776C264d93B37B34cE437382D1",
            erc20_gateway="0x52C2976cbDEf48BcC51d07d3c523769F76ECBd09",
            custom_gateway="0xFB4aa8024F70B00121723A9C923BaD0Dd2dFaf8F",
            weth_gateway="0x8f8A6799F2b1978c6586318543c73D8Fb12f218f",
        )
    },
    source=(
        "Robinhood Chain docs protocol-contracts, as reproduced in chrisnwasike/risk-oracle "
        "contracts.md @ b55748a4705684933306ff29ce9a81474b1d6daf; DefiLlama/chainlist "
        "constants/additionalChainRegistry/chainid-46630.js"
    ),
)

CHAINS = (ARBITRUM_ONE, ARBITRUM_NOVA, ARBITRUM_SEPOLIA, ROBINHOOD_TESTNET)
