"""The `Chain` type: everything interop knows about a chain, as plain data.

Why data and not classes: adding a chain (or a devnet, or a user's private rollup) must not need
code. Parent-side bridge contracts are keyed by the parent chain id, as viem does, because the same
L2 can settle on different parents (a devnet, a fork) and the address is a property of that pair.
Bridge addresses come only from here (or an explicit override), never from an RPC answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from interop.errors import ConfigError
from interop.types import Address

__all__ = ["MULTICALL3", "Chain", "ContractName", "NativeCurrency", "Stack"]

MULTICALL3 = Address("0xcA11bde05977b3631167028862bE2a173976CA11")


class Stack(StrEnum):
    """Rollup family; picks the adapter."""

    L1 = "l1"
    OPSTACK = "opstack"
    ARBITRUM = "arbitrum"
    ZKSYNC = "zksync"
    SCROLL = "scroll"
    LINEA = "linea"
    OTHER = "other"


class ContractName(StrEnum):
    """Well-known contract keys. Free-form strings are allowed too; these avoid typos.

    Parent-side (in `Chain.parent_contracts[parent_id]`) unless noted.
    """

    # OP Stack (L1 side)
    OPTIMISM_PORTAL = "optimism_portal"
    L1_CROSS_DOMAIN_MESSENGER = "l1_cross_domain_messenger"
    L1_STANDARD_BRIDGE = "l1_standard_bridge"
    SYSTEM_CONFIG = "system_config"
    DISPUTE_GAME_FACTORY = "dispute_game_factory"
    L2_OUTPUT_ORACLE = "l2_output_oracle"
    SUPERCHAIN_CONFIG = "superchain_config"
    ANCHOR_STATE_REGISTRY = "anchor_state_registry"
    # Arbitrum (L1 side)
    ARB_BRIDGE = "bridge"
    ARB_INBOX = "inbox"
    ARB_OUTBOX = "outbox"
    ARB_ROLLUP = "rollup"
    ARB_SEQUENCER_INBOX = "sequencer_inbox"
    ARB_GATEWAY_ROUTER = "l1_gateway_router"
    # ZKsync (L1 side)
    ZK_BRIDGEHUB = "bridgehub"
    ZK_DIAMOND_PROXY = "diamond_proxy"
    ZK_SHARED_BRIDGE = "l1_shared_bridge"
    ZK_NULLIFIER = "l1_nullifier"
    # Scroll (L1 side)
    SCROLL_MESSENGER = "l1_scroll_messenger"
    SCROLL_GATEWAY_ROUTER = "l1_gateway_router"
    SCROLL_ETH_GATEWAY = "l1_eth_gateway"
    SCROLL_MESSAGE_QUEUE = "l1_message_queue"
    SCROLL_CHAIN = "scroll_chain"
    # Linea (L1 side)
    LINEA_MESSAGE_SERVICE = "line_rollup"
    LINEA_TOKEN_BRIDGE = "l1_token_bridge"
    # Own-chain (in `Chain.contracts`)
    MULTICALL3 = "multicall3"


@dataclass(frozen=True, slots=True)
class NativeCurrency:
    name: str = "Ether"
    symbol: str = "ETH"
    decimals: int = 18


def _frozen(m: Mapping[str, Address] | None) -> Mapping[str, Address]:
    return MappingProxyType(dict(m or {}))


def _plain(v: object) -> object:
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    return v


@dataclass(frozen=True, eq=False)
class Chain:
    """One chain. Immutable; derive variants with `replace()` or `with_rpc()`.

    `contracts` are on this chain itself (Multicall3, predeploys that differ from the stack's
    defaults); `parent_contracts[parent_id]` are this chain's bridge contracts deployed on that
    parent. `source` names where the addresses came from, so they can be re-checked.
    """

    id: int
    name: str
    stack: Stack = Stack.L1
    parent_id: int | None = None
    native_currency: NativeCurrency = NativeCurrency()
    block_time_ms: int = 12_000
    rpc_urls: tuple[str, ...] = ()
    explorer: str | None = None
    aliases: tuple[str, ...] = ()
    short_name: str | None = None
    testnet: bool = False
    contracts: Mapping[str, Address] = field(default_factory=dict)
    parent_contracts: Mapping[int, Mapping[str, Address]] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "contracts", _frozen(self.contracts))
        object.__setattr__(
            self,
            "parent_contracts",
            MappingProxyType({int(k): _frozen(v) for k, v in self.parent_contracts.items()}),
        )
        object.__setattr__(self, "rpc_urls", tuple(self.rpc_urls))
        object.__setattr__(self, "aliases", tuple(self.aliases))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Chain):
            return NotImplemented
        return all(
            _plain(getattr(self, f.name)) == _plain(getattr(other, f.name))
            for f in dataclasses.fields(self)
        )

    def __hash__(self) -> int:
        return hash((self.id, self.name))

    def __repr__(self) -> str:
        return f"Chain(id={self.id}, name={self.name!r}, stack={self.stack.value!r})"

    @property
    def is_l2(self) -> bool:
        return self.parent_id is not None

    @property
    def multicall3(self) -> Address | None:
        return self.contracts.get(ContractName.MULTICALL3)

    def contract(self, name: str) -> Address:
        """An own-chain contract; raises `ConfigError` naming what is missing."""
        try:
            return self.contracts[name]
        except KeyError:
            raise ConfigError(
                f"chain {self.name} ({self.id}) has no {name!r} contract configured",
                hint="pass an explicit address override or add it to the chain definition",
            ) from None

    def parent_contract(self, name: str, parent_id: int | None = None) -> Address:
        """A bridge contract of this chain on its parent (or on `parent_id`)."""
        pid = self.parent_id if parent_id is None else parent_id
        if pid is None:
            raise ConfigError(f"chain {self.name} ({self.id}) has no parent chain")
        try:
            return self.parent_contracts[pid][name]
        except KeyError:
            raise ConfigError(
                f"chain {self.name} ({self.id}) has no {name!r} contract configured on parent {pid}",
                hint="pass an explicit address override or add it to the chain definition",
            ) from None

    def replace(self, **changes: object) -> Chain:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def with_rpc(self, *urls: str) -> Chain:
        return self.replace(rpc_urls=tuple(urls))
