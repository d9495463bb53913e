"""Shared plumbing for the OP Stack actions: contract addresses from chain data, calls, sends."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from interop import discovery
from interop.actions.contract import call_fn, call_one
from interop.actions.contract import send_call as send_fn
from interop.chains.model import Chain, ContractName, Stack
from interop.client import ChainClient
from interop.errors import (
    ExecutionRevertedError,
    RpcResponseError,
    UnsupportedOperationError,
)
from interop.spec.opstack.abis import PORTAL_VERSION
from interop.types import Address

__all__ = ["OpContracts", "call_fn", "call_one", "check_pair", "resolve_pair", "send_fn"]


@dataclass(frozen=True)
class OpContracts:
    """The L1-side contracts of one OP Stack L2.

    `of()` reads them from `Chain.parent_contracts[l1_id]` alone. `resolve()` (and
    `resolve_pair`) also asks the portal, the root the chain data trusts, for the contracts it
    names (`interop.discovery`): the dispute game factory, system config, anchor state registry
    and respected game type; where the chain data disagrees it warns once and the on-chain
    value is used. `generation` is "portal2" (fault proofs: a DisputeGameFactory, from the
    portal when resolved) or "portal" (legacy L2OutputOracle).
    """

    l1_id: int
    l2_id: int
    portal: Address
    l1_messenger: Address
    l1_bridge: Address
    dispute_game_factory: Address | None
    l2_output_oracle: Address | None
    system_config: Address | None = None
    anchor_state_registry: Address | None = None
    respected_game_type: int | None = None
    discovered: bool = False
    """True when the optional addresses above were checked against the portal on chain."""

    @property
    def generation(self) -> str:
        return "portal2" if self.dispute_game_factory is not None else "portal"

    @classmethod
    def of(cls, l2: Chain, l1_id: int | None = None) -> OpContracts:
        pid = l2.parent_id if l1_id is None else l1_id
        if pid is None:
            raise UnsupportedOperationError(f"{l2.name} has no parent chain")
        pc = l2.parent_contracts.get(pid, {})
        return cls(
            l1_id=pid,
            l2_id=l2.id,
            portal=l2.parent_contract(ContractName.OPTIMISM_PORTAL, pid),
            l1_messenger=l2.parent_contract(ContractName.L1_CROSS_DOMAIN_MESSENGER, pid),
            l1_bridge=l2.parent_contract(ContractName.L1_STANDARD_BRIDGE, pid),
            dispute_game_factory=pc.get(ContractName.DISPUTE_GAME_FACTORY),
            l2_output_oracle=pc.get(ContractName.L2_OUTPUT_ORACLE),
            system_config=pc.get(ContractName.SYSTEM_CONFIG),
            anchor_state_registry=pc.get(ContractName.ANCHOR_STATE_REGISTRY),
        )

    def with_discovery(self, found: discovery.Discovered) -> OpContracts:
        """These contracts with what the portal named on chain laid over the static ones."""
        onchain = found.onchain
        # A legacy portal answers `l2Oracle()` and no `disputeGameFactory()`.
        legacy = (
            ContractName.L2_OUTPUT_ORACLE in onchain
            and ContractName.DISPUTE_GAME_FACTORY not in onchain
        )
        return dataclasses.replace(
            self,
            dispute_game_factory=onchain.get(
                ContractName.DISPUTE_GAME_FACTORY, None if legacy else self.dispute_game_factory
            ),
            l2_output_oracle=onchain.get(ContractName.L2_OUTPUT_ORACLE, self.l2_output_oracle),
            system_config=onchain.get(ContractName.SYSTEM_CONFIG, self.system_config),
            anchor_state_registry=onchain.get(
                ContractName.ANCHOR_STATE_REGISTRY, self.anchor_state_registry
            ),
            respected_game_type=found.respected_game_type,
            discovered=True,
        )

    @classmethod
    async def resolve(cls, l1: ChainClient, l2: Chain) -> OpContracts:
        """`of(l2, l1.chain.id)` checked against (and corrected by) the portal on `l1`.

        Read once per `l1` client (so once per `Interop` instance); see `interop.discovery`.
        """
        static = cls.of(l2, l1.chain.id)
        return static.with_discovery(await discovery.discover_opstack(l1, l2))


def check_pair(l1: ChainClient, l2: ChainClient) -> OpContracts:
    """`UnsupportedOperationError` unless `l2` is an OP Stack chain settling on `l1`.

    Synchronous: it returns what `resolve_pair` already discovered through this `l1` client,
    else the chain data alone. Await `resolve_pair` once before a flow step so every later
    `check_pair` in it sees the on-chain addresses.
    """
    c2 = l2.chain
    if c2.stack != Stack.OPSTACK:
        raise UnsupportedOperationError(
            f"{c2.name} ({c2.id}) is not an OP Stack chain", hint="pick the adapter of its stack"
        )
    if c2.parent_id != l1.chain.id and l1.chain.id not in c2.parent_contracts:
        raise UnsupportedOperationError(
            f"{c2.name} ({c2.id}) does not settle on {l1.chain.name} ({l1.chain.id})"
        )
    static = OpContracts.of(c2, l1.chain.id)
    found = discovery.cached(l1, c2)
    return static if found is None else static.with_discovery(found)


async def resolve_pair(l1: ChainClient, l2: ChainClient) -> OpContracts:
    """`check_pair`, with the portal on `l1` asked for the contracts it names (cached per client).

    A static address the chain contradicts is logged once as a WARNING and the on-chain one is
    used; transport errors propagate.
    """
    check_pair(l1, l2)
    return await OpContracts.resolve(l1, l2.chain)


async def portal_version(l1: ChainClient, portal: str) -> str:
    try:
        return str(await call_one(l1, portal, PORTAL_VERSION))
    except (ExecutionRevertedError, RpcResponseError):
        return "unknown"


async def latest_timestamp(client: ChainClient) -> int:
    """Chain time (not wall time): devnets fast-forward, and contracts only see block time."""
    return int((await client.get_block("latest"))["timestamp"], 16)
