"""OP Stack devnet component: real contracts-bedrock L1 contracts, L2 predeploys, and a relayer.

`make_component(l1_id=900, l2_ids=(901, 902), **kw)` returns an `OpStackDevnet` named "opstack".
On `start(devnet)` it deploys, per L2, the L1 contracts mainnet OP chains run (the first L2 gets
the fault-proof generation with OptimismPortal2, the others the legacy L2OutputOracle +
OptimismPortal unless `generations=` says otherwise), installs the predeploys on each L2, records
the addresses in the devnet's chain data and starts one relayer task per L2. See README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.opstack.chainops import Sender, devnet_signer
from interop.devnet.opstack.deploy_l1 import (
    GAME_TYPE_CANNON,
    L1Deployment,
    OpStackParams,
    PortalGeneration,
    deploy_all,
)
from interop.devnet.opstack.predeploys import PREDEPLOYS, install_predeploys
from interop.devnet.opstack.relayer import Game, L2Relayer
from interop.devnet.relayloop import locked_step, run_relayer
from interop.errors import DevnetError
from interop.types import Address

if TYPE_CHECKING:
    from interop.devnet.core import Devnet

__all__ = ["Game", "OpStackDevnet", "OpStackParams", "make_component"]

log = logging.getLogger("interop.devnet.opstack")

_FUNDING = 10**6 * 10**18


class OpStackDevnet:
    """The "opstack" devnet component. Attributes are valid after `start()` unless noted."""

    name = "opstack"

    def __init__(
        self,
        *,
        l1_id: int = 900,
        l2_ids: Sequence[int] = (901, 902),
        generations: Mapping[int, PortalGeneration] | None = None,
        params: OpStackParams | None = None,
        poll_interval: float = 0.2,
    ) -> None:
        self.l1_id = l1_id
        self.l2_ids = tuple(l2_ids)
        self.portal_generation: dict[int, PortalGeneration] = (
            dict(generations)
            if generations is not None
            else {cid: ("portal2" if i == 0 else "portal") for i, cid in enumerate(self.l2_ids)}
        )
        self.params = params or OpStackParams()
        self.poll_interval = poll_interval
        self.game_type = GAME_TYPE_CANNON
        self.contracts: dict[int, dict[str, Address]] = {}
        self.deployments: dict[int, L1Deployment] = {}
        self.relayers: dict[int, L2Relayer] = {}
        self.deployer: Address | None = None
        self.proposers: dict[int, Address] = {}
        self.startup_seconds: float | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._clients: list[ChainClient] = []

    def __repr__(self) -> str:
        return f"OpStackDevnet(l1={self.l1_id}, l2s={self.l2_ids})"

    # periods (seconds), fixed at deployment
    @property
    def proof_maturity_delay(self) -> int:
        return self.params.proof_maturity_delay

    @property
    def dispute_game_finality_delay(self) -> int:
        return self.params.dispute_game_finality_delay

    @property
    def max_clock_duration(self) -> int:
        return self.params.max_clock_duration

    @property
    def clock_extension(self) -> int:
        return self.params.clock_extension

    @property
    def finalization_period(self) -> int:
        return self.params.finalization_period

    @property
    def delayed_weth_delay(self) -> int:
        return self.params.delayed_weth_delay

    @property
    def proposer(self) -> Address:
        """The proposer of the first L2 (each L2 has its own, see `proposers`)."""
        return self.proposers[self.l2_ids[0]]

    @property
    def predeploys(self) -> dict[str, Address]:
        return dict(PREDEPLOYS)

    def games(self, l2_id: int) -> list[Game]:
        """Dispute games known for a portal2 L2, oldest first (a snapshot)."""
        return list(self.relayers[l2_id].games)

    # lifecycle
    async def start(self, devnet: Devnet) -> None:
        t0 = time.perf_counter()

        def client(cid: int) -> ChainClient:
            c = ChainClient(devnet.chain(cid), devnet.transport(cid), owns_transport=False)
            self._clients.append(c)
            return c

        l1 = client(self.l1_id)
        l2s = {cid: client(cid) for cid in self.l2_ids}
        deployer = Sender(l1, devnet_signer("deployer"))
        self.deployer = deployer.address
        proposers = {cid: Sender(l1, devnet_signer(f"proposer-{cid}")) for cid in self.l2_ids}
        self.proposers = {cid: s.address for cid, s in proposers.items()}
        await asyncio.gather(
            deployer.fund(_FUNDING), *(p.fund(_FUNDING) for p in proposers.values())
        )
        start_block = await l1.block_number()

        # The L2OutputOracle proposer is fixed at initialisation, so each L2 gets its own.
        self.deployments = await deploy_all(
            l1, deployer, l2s, self.portal_generation, self.proposers, self.params
        )
        await asyncio.gather(
            *(
                install_predeploys(
                    l2s[cid],
                    l1_messenger=dep.addresses[ContractName.L1_CROSS_DOMAIN_MESSENGER],
                    l1_standard_bridge=dep.addresses[ContractName.L1_STANDARD_BRIDGE],
                )
                for cid, dep in self.deployments.items()
            )
        )
        for cid, dep in self.deployments.items():
            self.contracts[cid] = dict(dep.addresses)
            chain = devnet.chain(cid)
            parents = {k: dict(v) for k, v in chain.parent_contracts.items()}
            parents[self.l1_id] = {**parents.get(self.l1_id, {}), **dep.chain_data()}
            devnet.update_chain(chain.replace(parent_contracts=parents))
            self.relayers[cid] = L2Relayer(
                l1,
                l2s[cid],
                dep,
                proposers[cid],
                self.params,
                batcher=deployer.address,
                start_block=start_block,
                real_time=bool(devnet.config.tick_seconds),
            )
        await self.sync()
        self._tasks = [
            devnet.spawn(
                f"opstack relayer for L2 {cid}",
                run_relayer(
                    r,
                    f"opstack relayer for L2 {cid}",
                    self.poll_interval,
                    log,
                    max_failures=devnet.config.relayer_max_failures,
                ),
            )
            for cid, r in self.relayers.items()
        ]
        self.startup_seconds = time.perf_counter() - t0
        log.info("opstack devnet ready in %.2fs", self.startup_seconds)

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        for t in tasks:  # a crash is the devnet's to report (it watches the tasks)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._clients.clear()

    # API for tests, demos and adapters
    async def sync(self, timeout: float = 60.0) -> None:
        """Return once every L1 deposit so far is relayed and an output covers every L2 block with a
        transaction (proposals stop one below the head: see `L2Relayer._settled_head`).

        Also resolves dispute games whose clock has expired. Errors are raised, not swallowed.
        """

        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(*(locked_step(r) for r in self.relayers.values()))
        except TimeoutError as exc:
            raise DevnetError(f"opstack devnet did not sync within {timeout}s") from exc

    async def describe(self) -> str:
        """Each relayer's counters (for failure messages)."""
        return "; ".join(
            f"L2 {cid}: deposits relayed {r.relayed}, games {len(r.games)}, L1 cursor {r.cursor},"
            f" errors {r.errors} (last: {r.last_error!r})"
            for cid, r in self.relayers.items()
        )

    async def resolve_games(self) -> int:
        """Resolve every dispute game whose clock has expired (call after `fast_forward`)."""

        async def one(r: L2Relayer) -> int:
            async with r.lock:
                await r._refresh_games()
                return await r.resolve_games()

        counts = await asyncio.gather(
            *(one(r) for r in self.relayers.values() if r.dep.generation == "portal2")
        )
        return sum(counts)

    async def latest_output_block(self, l2_id: int) -> int:
        r = self.relayers[l2_id]
        async with r.lock:
            return await r.latest_output_block()


_PARAM_NAMES = frozenset(OpStackParams.__dataclass_fields__)


def make_component(
    *, l1_id: int = 900, l2_ids: Sequence[int] = (901, 902), **kw: Any
) -> OpStackDevnet:
    """Build the component. Period keywords (`proof_maturity_delay=...`) set `OpStackParams`;
    `generations`, `poll_interval` pass through; other keywords (meant for other components)
    are ignored."""
    params = OpStackParams(**{k: int(v) for k, v in kw.items() if k in _PARAM_NAMES})
    return OpStackDevnet(
        l1_id=l1_id,
        l2_ids=l2_ids,
        generations=kw.get("generations"),
        params=params,
        poll_interval=float(kw.get("poll_interval", 0.2)),
    )
