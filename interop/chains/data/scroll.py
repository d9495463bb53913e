"""Scroll (534352) and Scroll Sepolia (534351).

Sources: Scroll docs "Scroll Contracts" (scroll-tech/scroll-documentation,
`src/content/docs/en/developers/scroll-contracts.mdx`) for the L1 messenger, gateway router, ETH
gateway, rollup ("Scroll Chain") and the L2 side; scroll-tech/rollup-node (`crates/node/src/
constants`-style address book) for the L1 message queue V2 that replaced V1 at the Euclid upgrade.
`l1_message_queue` is V2 (where new deposits are enqueued); V1 (`l1_message_queue_v1`, also the
gas price oracle before Euclid) is kept for reading old messages. Multicall3 per Scroll's docs.
Re-checked 2026-12-01 against scroll-contracts.mdx @ 077f0413: messenger, gateway router, ETH
gateway and rollup unchanged on both networks.
"""

from __future__ import annotations

from interop.chains.model import MULTICALL3, Chain, ContractName, NativeCurrency, Stack
from interop.types import Address

__all__ = ["CHAINS", "SCROLL", "SCROLL_SEPOLIA"]

_SOURCE = (
    "scroll-tech/scroll-documentation src/content/docs/en/developers/scroll-contracts.mdx "
    "@ 077f04136dfbde42d192f66e31ea475aa7c2030b; scroll-tech/rollup-node (message queue v2)"
)
L2_MESSAGE_QUEUE = Address("0x5300000000000000000000000000000000000000")

SCROLL = Chain(
    id=534352,
    name="Scroll",
    stack=Stack.SCROLL,
    parent_id=1,
    block_time_ms=3000,
    rpc_urls=("https://rpc.scroll.io",),
    explorer="https://scrollscan.com",
    aliases=("scroll-mainnet",),
    short_name="scr",
    contracts={
        ContractName.MULTICALL3: MULTICALL3,
        "l2_scroll_messenger": Address("0x781e90f1c8Fc4611c9b7497C3B47F99Ef6969CbC"),
        "l2_gateway_router": Address("0x4C0926FF5252A435FD19e10ED15e5a249Ba19d79"),
        "l2_eth_gateway": Address("0x6EA73e05AdC79974B931123675ea8F78FfdacDF0"),
        "l2_message_queue": L2_MESSAGE_QUEUE,
    },
    parent_contracts={
        1: {
            ContractName.SCROLL_MESSENGER: Address("0x6774Bcbd5ceCeF1336b5300fb5186a12DDD8b367"),
            ContractName.SCROLL_GATEWAY_ROUTER: Address(
                "0xF8B1378579659D8F7EE5f3C929c2f3E332E41Fd6"
            ),
            ContractName.SCROLL_ETH_GATEWAY: Address("0x7F2b8C31F88B6006c382775eea88297Ec1e3E905"),
            ContractName.SCROLL_MESSAGE_QUEUE: Address(
                "0x56971da63A3C0205184FEF096E9ddFc7A8C2D18a"
            ),
            "l1_message_queue_v1": Address("0x0d7E906BD9cAFa154b048cFa766Cc1E54E39AF9B"),
            ContractName.SCROLL_CHAIN: Address("0xa13BAF47339d63B743e7Da8741db5456DAc1E556"),
        }
    },
    source=_SOURCE,
)

SCROLL_SEPOLIA = Chain(
    id=534351,
    name="Scroll Sepolia",
    stack=Stack.SCROLL,
    parent_id=11155111,
    native_currency=NativeCurrency(name="Ether", symbol="ETH", decimals=18),
    block_time_ms=3000,
    rpc_urls=("https://sepolia-rpc.scroll.io",),
    explorer="https://sepolia.scrollscan.com",
    aliases=("scroll-sepolia-testnet",),
    short_name="scr-sepolia",
    testnet=True,
    contracts={
        ContractName.MULTICALL3: MULTICALL3,
        "l2_scroll_messenger": Address("0xBa50f5340FB9F3Bd074bD638c9BE13eCB36E603d"),
        "l2_gateway_router": Address("0x9aD3c5617eCAa556d6E166787A97081907171230"),
        "l2_eth_gateway": Address("0x91e8ADDFe1358aCa5314c644312d38237fC1101C"),
        "l2_message_queue": L2_MESSAGE_QUEUE,
    },
    parent_contracts={
        11155111: {
            ContractName.SCROLL_MESSENGER: Address("0x50c7d3e7f7c656493D1D76aaa1a836CedfCBB16A"),
            ContractName.SCROLL_GATEWAY_ROUTER: Address(
                "0x13FBE0D0e5552b8c9c4AE9e2435F38f37355998a"
            ),
            ContractName.SCROLL_ETH_GATEWAY: Address("0x8A54A2347Da2562917304141ab67324615e9866d"),
            ContractName.SCROLL_MESSAGE_QUEUE: Address(
                "0xA0673eC0A48aa924f067F1274EcD281A10c5f19F"
            ),
            "l1_message_queue_v1": Address("0xF0B2293F5D834eAe920c6974D50957A1732de763"),
            ContractName.SCROLL_CHAIN: Address("0x2D567EcE699Eabe5afCd141eDB7A4f2D0D6ce8a0"),
        }
    },
    source=_SOURCE,
)

CHAINS = (SCROLL, SCROLL_SEPOLIA)
