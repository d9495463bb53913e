"""Shared plumbing for the OP Stack actions: contract addresses from chain data, calls, sends."""

from __future__ import annotations

from dataclasses import dataclass

from interop.actions.contract import call_fn, call_one
from interop.actions.contract import send_call as send_fn
from interop.adapters.opstack.abis import PORTAL_VERSION
from interop.chains.model import Chain, ContractName, Stack
from interop.client import ChainClient
from interop.errors import (
    ExecutionRevertedError,
    RpcResponseError,
    UnsupportedOperationError,
)
from interop.types import Address

__all__ = ["OpContracts", "call_fn", "call_one", "check_pair", "send_fn"]


@dataclass(frozen=True)
class OpContracts:
    """The L1-side contracts of one OP Stack L2, read from `Chain.parent_contracts[l1_id]`.

    `generation` is "portal2" (fault proofs: DisputeGameFactory present) or "portal" (legacy
    L2OutputOracle). Decided from chain data, never from an RPC answer.
    """

    l1_id: int
    l2_id: int
    portal: Address
    l1_messenger: Address
    l1_bridge: Address
    dispute_game_factory: Address | None
    l2_output_oracle: Address | None

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
        )


def check_pair(l1: ChainClient, l2: ChainClient) -> OpContracts:
    """`UnsupportedOperationError` unless `l2` is an OP Stack chain settling on `l1`."""
    c2 = l2.chain
    if c2.stack is not Stack.OPSTACK:
        raise UnsupportedOperationError(
            f"{c2.name} ({c2.id}) is not an OP Stack chain", hint="pick the adapter of its stack"
        )
    if c2.parent_id != l1.chain.id and l1.chain.id not in c2.parent_contracts:
        raise UnsupportedOperationError(
            f"{c2.name} ({c2.id}) does not settle on {l1.chain.name} ({l1.chain.id})"
        )
    return OpContracts.of(c2, l1.chain.id)


async def portal_version(l1: ChainClient, portal: str) -> str:
    try:
        return str(await call_one(l1, portal, PORTAL_VERSION))
    except (ExecutionRevertedError, RpcResponseError):
        return "unknown"


async def latest_timestamp(client: ChainClient) -> int:
    """Chain time (not wall time): devnets fast-forward, and contracts only see block time."""
    return int((await client.get_block("latest"))["timestamp"], 16)
