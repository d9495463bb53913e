"""The `Chain` type: everything interop knows about a chain, as plain data.

Why data and not classes: adding a chain (or a devnet, or a user's private rollup) must not need
code. Parent-side bridge contracts are keyed by the parent chain id, as viem does, because the same
L2 can settle on different parents (a devnet, a fork) and the address is a property of that pair.
Bridge addresses come only from here (or an explicit override), never from an RPC answer.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from interop.errors import ConfigError
from interop.types import Address

__all__ = ["MULTICALL3", "Chain", "ContractName", "NativeCurrency", "Stack", "stack_name"]

MULTICALL3 = Address("0xcA11bde05977b3631167028862bE2a173976CA11")


_STACK_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class Stack:
    """Names of the chain families this package ships: constants, not a closed set.

    `Chain.stack` is any lowercase string, so a chain file of a family we do not ship (a new
    rollup, a fork) loads, and that family's package supplies its adapter and `ChainFamily`
    under the same name. Use `==` to compare; `Chain` also interns the name so that the old
    `chain.stack is Stack.OPSTACK` still holds for the families below.
    """

    L1: Final = "l1"
    OPSTACK: Final = "opstack"
    ARBITRUM: Final = "arbitrum"
    ZKSYNC: Final = "zksync"
    SCROLL: Final = "scroll"
    LINEA: Final = "linea"
    OTHER: Final = "other"

    @classmethod
    def known(cls) -> tuple[str, ...]:
        """The names above (families with chain data here; not every name has an adapter)."""
        return (cls.L1, cls.OPSTACK, cls.ARBITRUM, cls.ZKSYNC, cls.SCROLL, cls.LINEA, cls.OTHER)


def stack_name(value: object) -> str:
    """Validate and normalise a family name: lowercase, `[a-z0-9][a-z0-9_.-]*`, interned.

    Why interned: code written against the old enum compares with `is`; interning makes a name
    read from a file the very object `Stack.OPSTACK` is.
    """
    text = str(value).strip().lower()
    if not _STACK_RE.match(text):
        raise ConfigError(
            f"stack {value!r} is not a valid family name",
            hint="a lowercase name like 'opstack' or 'myrollup' ([a-z0-9_.-], at most 64)",
        )
    return sys.intern(text)


class ContractName:
    """Well-known contract keys: constants for typo-free code; any string is a valid key.

    Keys are scoped to one chain's table (`Chain.contracts`, `Chain.parent_contracts[parent]`),
    so two families may use the same key for the same role. Parent-side unless noted.
    """

    # OP Stack (L1 side)
    OPTIMISM_PORTAL: Final = "optimism_portal"
    L1_CROSS_DOMAIN_MESSENGER: Final = "l1_cross_domain_messenger"
    L1_STANDARD_BRIDGE: Final = "l1_standard_bridge"
    SYSTEM_CONFIG: Final = "system_config"
    DISPUTE_GAME_FACTORY: Final = "dispute_game_factory"
    L2_OUTPUT_ORACLE: Final = "l2_output_oracle"
    SUPERCHAIN_CONFIG: Final = "superchain_config"
    ANCHOR_STATE_REGISTRY: Final = "anchor_state_registry"
    # The parent-side token gateway router: one role, one key, in Arbitrum's and Scroll's tables.
    # (As enum members the two family constants below were one member, the Scroll name silently
    # an alias of the Arbitrum one; now the shared key is explicit and both names are documented
    # spellings of it.)
    L1_GATEWAY_ROUTER: Final = "l1_gateway_router"
    # Arbitrum (L1 side)
    ARB_BRIDGE: Final = "bridge"
    ARB_INBOX: Final = "inbox"
    ARB_OUTBOX: Final = "outbox"
    ARB_ROLLUP: Final = "rollup"
    ARB_SEQUENCER_INBOX: Final = "sequencer_inbox"
    ARB_GATEWAY_ROUTER: Final = L1_GATEWAY_ROUTER
    # ZKsync (L1 side)
    ZK_BRIDGEHUB: Final = "bridgehub"
    ZK_DIAMOND_PROXY: Final = "diamond_proxy"
    ZK_SHARED_BRIDGE: Final = "l1_shared_bridge"
    ZK_NULLIFIER: Final = "l1_nullifier"
    # Scroll (L1 side)
    SCROLL_MESSENGER: Final = "l1_scroll_messenger"
    SCROLL_GATEWAY_ROUTER: Final = L1_GATEWAY_ROUTER
    SCROLL_ETH_GATEWAY: Final = "l1_eth_gateway"
    SCROLL_MESSAGE_QUEUE: Final = "l1_message_queue"
    SCROLL_CHAIN: Final = "scroll_chain"
    # Linea (L1 side)
    LINEA_MESSAGE_SERVICE: Final = "line_rollup"
    LINEA_TOKEN_BRIDGE: Final = "l1_token_bridge"
    # Own-chain (in `Chain.contracts`)
    MULTICALL3: Final = "multicall3"


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
    stack: str = Stack.L1
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
        object.__setattr__(self, "stack", stack_name(self.stack))
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
        return f"Chain(id={self.id}, name={self.name!r}, stack={self.stack!r})"

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
