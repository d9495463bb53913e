"""Arbitrum (Nitro) on the devnet: real L1 bridge contracts plus a faithful L2 emulation.

`make_component(l1_id, l2_id, **kw)` returns an `ArbitrumDevnet`, which on `start(devnet)`:
deploys the real nitro-contracts BoLD rollup on L1 through `RollupCreator`, as nitro-contracts'
own deployment scripts do (rollup, bridge, inboxes, outbox, edge challenge manager); places the ArbSys / ArbRetryableTx / NodeInterface
emulations on the L2 anvil; starts the RPC shim in front of that anvil (the L2 chain's RPC URL
becomes the shim); and runs the relayer (sequencer + validator). See README.md for the
interface and docs/devnet-arbitrum.md for what is real and what is emulated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from eth_utils.crypto import keccak

from interop.client import ChainClient
from interop.devnet.arbitrum.artifacts import own_artifact
from interop.devnet.arbitrum.bold import L2State
from interop.devnet.arbitrum.deploy_l1 import L1Deployment, deploy_l1
from interop.devnet.arbitrum.relayer import EmulatedTxStore, Relayer
from interop.devnet.arbitrum.shim import RpcShim
from interop.devnet.relayloop import run_relayer
from interop.errors import DevnetError
from interop.signer import SafeSigner, account_from_key
from interop.spec.arbitrum.formulas import ARB_RETRYABLE_TX, ARB_SYS, NODE_INTERFACE
from interop.types import Address, hex_to_bytes

if TYPE_CHECKING:
    from interop.devnet.core import Devnet

__all__ = ["DEPLOYER_KEY", "ArbitrumDevnet", "make_component"]

log = logging.getLogger("interop.devnet.arbitrum")

# The devnet's own key for deploying and validating (never a test account, so no nonce clashes).
DEPLOYER_KEY = "0x" + keccak(b"interop devnet arbitrum deployer").hex()


class ArbitrumDevnet:
    """Devnet component `arbitrum`. Use `sync()` to wait for the relayer."""

    name = "arbitrum"

    def __init__(
        self,
        *,
        l1_id: int = 900,
        l2_id: int = 903,
        confirm_period_seconds: int = 60,
        confirm_period_blocks: int | None = None,
        retryable_lifetime_seconds: int = 7 * 24 * 3600,
        max_data_size: int = 117_964,
        poll_interval: float = 0.1,
        auto_confirm: bool = True,
    ) -> None:
        self.l1_id, self.l2_id = l1_id, l2_id
        self.confirm_period_seconds = confirm_period_seconds
        self._confirm_period_blocks = confirm_period_blocks
        self.retryable_lifetime_seconds = retryable_lifetime_seconds
        self.max_data_size = max_data_size
        self.poll_interval = poll_interval
        self.auto_confirm = auto_confirm
        self.deployment: L1Deployment | None = None
        self.store = EmulatedTxStore()
        self.shim: RpcShim | None = None
        self.relayer: Relayer | None = None
        self._task: asyncio.Task[None] | None = None
        self.l2_node_url = ""
        self.startup_seconds = 0.0
        self._clients: list[ChainClient] = []

    @property
    def addresses(self) -> dict[str, Address]:
        if self.deployment is None:
            raise DevnetError("the arbitrum component is not started")
        return self.deployment.as_dict()

    @property
    def deployer(self) -> SafeSigner:
        return account_from_key(DEPLOYER_KEY)

    async def start(self, devnet: Devnet) -> None:
        t0 = time.monotonic()
        signer = self.deployer
        l1 = ChainClient(
            devnet.chain(self.l1_id), devnet.transport(self.l1_id), owns_transport=False
        )
        l2 = ChainClient(
            devnet.chain(self.l2_id), devnet.transport(self.l2_id), owns_transport=False
        )
        self._clients = [l1, l2]
        await l1.request("anvil_setBalance", [signer.address, hex(10**24)])
        # BoLD counts L1 blocks: the period in seconds becomes blocks of the L1's block time
        l1_block_s = max(devnet.chain(self.l1_id).block_time_ms, 1) / 1000
        if self._confirm_period_blocks is None:
            self._confirm_period_blocks = max(1, round(self.confirm_period_seconds / l1_block_s))
        genesis = await l2.get_block("latest")
        self.deployment = await deploy_l1(
            l1,
            signer,
            chain_id=self.l2_id,
            confirm_period_blocks=self._confirm_period_blocks,
            max_data_size=self.max_data_size,
            genesis_block_hash=hex_to_bytes(genesis["hash"]),
        )
        for addr, name in (
            (ARB_SYS, "ArbSysEmulation"),
            (ARB_RETRYABLE_TX, "ArbRetryableTxEmulation"),
            (NODE_INTERFACE, "NodeInterfaceEmulation"),
        ):
            code = own_artifact(name).deployed_bytecode
            await l2.request("anvil_setCode", [addr, "0x" + code.hex()])
        await l2.request(
            "anvil_setStorageAt",
            [
                ARB_RETRYABLE_TX,
                "0x0",
                "0x" + self.retryable_lifetime_seconds.to_bytes(32, "big").hex(),
            ],
        )
        self.l2_node_url = devnet.nodes[self.l2_id].url

        async def l1_base_fee() -> int:
            b = await l1.get_block("latest")
            return int(b.get("baseFeePerGas") or "0x0", 16)

        async def run_retries() -> None:
            if self.relayer is not None:
                await self.relayer.sync()

        async def redeem_in_block(raw: str) -> str:
            if self.relayer is None:
                raise DevnetError("the arbitrum component is not started")
            return await self.relayer.redeem_in_block(raw)

        self.shim = RpcShim(
            self.l2_node_url,
            self.store,
            l1_base_fee=l1_base_fee,
            run_retries=run_retries,
            redeem_in_block=redeem_in_block,
        )
        await self.shim.start()
        d = self.deployment
        l2_chain = devnet.chain(self.l2_id)
        parents = {k: dict(v) for k, v in l2_chain.parent_contracts.items()}
        parents[self.l1_id] = {
            "bridge": d.bridge,
            "inbox": d.inbox,
            "outbox": d.outbox,
            "rollup": d.rollup,
            "sequencer_inbox": d.sequencer_inbox,
        }
        devnet.update_chain(l2_chain.replace(parent_contracts=parents).with_rpc(self.shim.url))
        self.relayer = Relayer(
            l1,
            l2,
            signer,
            bridge=d.bridge,
            inbox=d.inbox,
            rollup=d.rollup,
            sequencer_inbox=d.sequencer_inbox,
            stake_token=d.stake_token,
            confirm_period_seconds=self.confirm_period_seconds,
            store=self.store,
            poll_interval=self.poll_interval,
            auto_confirm=self.auto_confirm,
        )
        await self.relayer.prepare_l2()
        await self.relayer.bold.start(
            L2State(hex_to_bytes(genesis["hash"]), int(genesis["number"], 16), b"\x00" * 32, 0),
            d.deployed_at_block,
        )
        await self.relayer.sync()
        self._task = devnet.spawn(
            "arbitrum relayer",
            run_relayer(
                self.relayer,
                "arbitrum relayer",
                self.poll_interval,
                log,
                max_failures=devnet.config.relayer_max_failures,
            ),
        )
        self.startup_seconds = time.monotonic() - t0

    async def sync(self) -> None:
        """Wait until every L1 message so far is executed on L2, every manual redeem is run,
        every L2 send is in a posted assertion, and confirmable assertions are confirmed."""
        if self.relayer is None:
            raise DevnetError("the arbitrum component is not started")
        await self.relayer.sync()

    @property
    def confirm_period_blocks(self) -> int:
        """The rollup's `confirmPeriodBlocks` (set at start from `confirm_period_seconds` and
        the L1 block time unless given)."""
        if self._confirm_period_blocks is None:
            raise DevnetError("the arbitrum component is not started")
        return self._confirm_period_blocks

    async def describe(self) -> str:
        """The relayer's counters and the rollup's assertion state (for failure messages)."""
        r = self.relayer
        if r is None:
            return "not started"
        return (
            f"{await r.bold.describe()}; relayer errors {r.errors} (last: {r.last_error!r})"
            f"; next L1 message {r._next_msg}"
        )

    async def confirm_ready(self) -> int:
        """Confirm the assertions whose period has passed (when `auto_confirm=False`)."""
        if self.relayer is None:
            raise DevnetError("the arbitrum component is not started")
        return await self.relayer.confirm_ready()

    async def stop(self) -> None:
        errors: list[BaseException] = []
        task, self._task = self._task, None
        if task is not None:  # a crash is the devnet's to report (it watches the task)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.shim is not None:
            try:
                await self.shim.stop()
            except Exception as exc:
                errors.append(exc)
        self.relayer = None
        self.shim = None
        if errors:
            raise DevnetError(
                "errors while stopping the arbitrum component", details="; ".join(map(str, errors))
            )


def make_component(l1_id: int = 900, l2_id: int = 903, **kw: Any) -> ArbitrumDevnet:
    """The `arbitrum` devnet component. Unknown keywords (meant for other components) are ignored."""
    known = {
        "confirm_period_seconds",
        "confirm_period_blocks",
        "retryable_lifetime_seconds",
        "max_data_size",
        "poll_interval",
        "auto_confirm",
    }
    return ArbitrumDevnet(l1_id=l1_id, l2_id=l2_id, **{k: v for k, v in kw.items() if k in known})
