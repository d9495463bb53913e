"""Superchain interop on the devnet's OP L2s: interop predeploys and an auto-relayer.

`make_component(l2_ids=(901, 902), **kw)` returns a `SuperchainDevnet` named "superchain". It must
start after the "opstack" component (which installs L1Block and keeps its L1 values current). On
`start(devnet)` it places, on every listed L2, the real contracts-bedrock runtime code of
`L2ToL2CrossDomainMessenger` (0x4200..23), `CrossL2Inbox` (0x4200..22) and `L1BlockInterop`
(0x4200..15, replacing L1Block's code; L1BlockInterop extends L1Block with the same storage layout,
so the opstack relayer's L1 values and GasPriceOracle keep working) and writes each L2's
dependency set (every other listed L2) into L1BlockInterop's storage, as the `ADD_DEPENDENCY`
system deposits would. It then runs one relayer task (see relayer.py). See docs/superchain.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.client import ChainClient
from interop.devnet.opstack.artifacts import load
from interop.devnet.opstack.chainops import Sender, devnet_signer
from interop.devnet.relayloop import locked_step, run_relayer
from interop.devnet.superchain.relayer import InteropRelayer
from interop.errors import DevnetError
from interop.spec.superchain import abis as A
from interop.types import Address

if TYPE_CHECKING:
    from interop.devnet.core import Devnet

__all__ = ["INTEROP_PREDEPLOYS", "SuperchainDevnet", "make_component"]

log = logging.getLogger("interop.devnet.superchain")

INTEROP_PREDEPLOYS: dict[str, Address] = {
    "L2ToL2CrossDomainMessenger": A.L2_TO_L2_CROSS_DOMAIN_MESSENGER,
    "CrossL2Inbox": A.CROSS_L2_INBOX,
    "L1BlockInterop": A.L1_BLOCK,
}

RELAYER_FUNDING = 10**9 * 10**18
"""The relayer's balance on each L2: gas, and the ETH it forwards with value-carrying messages
(the stand-in for ETHLiquidity, which this contracts-bedrock version does not ship)."""


def dependency_set_storage(chain_ids: Sequence[int]) -> dict[int, int]:
    """Storage words of L1BlockInterop's `EnumerableSet.UintSet dependencySet` holding `chain_ids`.

    OpenZeppelin's Set is `{bytes32[] _values; mapping(bytes32 => uint256) _indexes}` at the
    variable's slot: the length at `slot`, value i at `keccak(slot) + i`, and `_indexes[value]`
    (1-based position) at `keccak(value . slot + 1)`; `isInDependencySet` reads only the latter.
    """
    slot, _ = load("L1BlockInterop").slot("dependencySet")
    # The length word stays 0: anvil's OP fee logic reads L1Block slot 8 as the Isthmus
    # operator-fee parameters (even under holocene) and would charge every transaction one
    # wei per dependency. `contains` only reads `_indexes`, so membership is exact; only
    # `dependencySetSize()` reads 0 on the devnet.
    words: dict[int, int] = {}
    base = int.from_bytes(keccak(slot.to_bytes(32, "big")), "big")
    for i, cid in enumerate(chain_ids):
        words[base + i] = cid
        key = keccak(abi_encode(["bytes32", "uint256"], [cid.to_bytes(32, "big"), slot + 1]))
        words[int.from_bytes(key, "big")] = i + 1
    return words


class SuperchainDevnet:
    """The "superchain" devnet component. Attributes are valid after `start()`."""

    name = "superchain"

    def __init__(self, *, l2_ids: Sequence[int] = (901, 902), poll_interval: float = 0.2) -> None:
        self.l2_ids = tuple(l2_ids)
        self.poll_interval = poll_interval
        self.relayer: InteropRelayer | None = None
        self._task: asyncio.Task[None] | None = None
        self._clients: dict[int, ChainClient] = {}

    def __repr__(self) -> str:
        return f"SuperchainDevnet(l2s={self.l2_ids})"

    @property
    def predeploys(self) -> dict[str, Address]:
        return dict(INTEROP_PREDEPLOYS)

    @property
    def auto_relay(self) -> bool:
        """True (default): the relayer executes every message. Tests switch it off to relay by
        hand; while off, the relayer sends nothing and picks up where it left off when on again."""
        return self._relayer.auto_relay

    @auto_relay.setter
    def auto_relay(self, on: bool) -> None:
        self._relayer.auto_relay = bool(on)

    @property
    def relayer_address(self) -> Address:
        return self._relayer.address

    @property
    def _relayer(self) -> InteropRelayer:
        if self.relayer is None:
            raise DevnetError("the superchain component is not started")
        return self.relayer

    async def start(self, devnet: Devnet) -> None:
        if len(self.l2_ids) < 2:
            raise DevnetError("superchain interop needs at least two L2s")
        for cid in self.l2_ids:
            self._clients[cid] = ChainClient(
                devnet.chain(cid), devnet.transport(cid), owns_transport=False
            )
        signer = devnet_signer("superchain-relayer")
        senders = {cid: Sender(c, signer) for cid, c in self._clients.items()}
        await asyncio.gather(
            *(self._install(cid, [o for o in self.l2_ids if o != cid]) for cid in self.l2_ids),
            *(s.fund(RELAYER_FUNDING) for s in senders.values()),
        )
        self.relayer = InteropRelayer(self._clients, senders)
        await self.relayer.start_cursors()
        self._task = devnet.spawn(
            "superchain relayer",
            run_relayer(
                self._relayer,
                "superchain relayer",
                self.poll_interval,
                log,
                max_failures=devnet.config.relayer_max_failures,
            ),
        )

    async def _install(self, cid: int, deps: Sequence[int]) -> None:
        c = self._clients[cid]
        for name, addr in INTEROP_PREDEPLOYS.items():
            await c.request("anvil_setCode", [addr, "0x" + load(name).deployed_bytecode.hex()])
        words = dependency_set_storage(deps)
        await asyncio.gather(
            *(
                c.request(
                    "anvil_setStorageAt",
                    [A.L1_BLOCK, hex(slot), "0x" + word.to_bytes(32, "big").hex()],
                )
                for slot, word in words.items()
            )
        )
        for other in deps:
            (ok,) = A.IS_IN_DEPENDENCY_SET.decode(
                await c.call(A.L1_BLOCK, A.IS_IN_DEPENDENCY_SET.encode(other))
            )
            if not ok:
                raise DevnetError(f"L2 {cid}: chain {other} is not in the dependency set")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._clients.clear()

    async def sync(self, timeout: float = 30.0) -> None:
        """Return once every message sent so far is relayed (or its relay failed on-chain).

        With `auto_relay` off this only scans: nothing is relayed, so it returns at once.
        Relay errors are raised, not swallowed.
        """
        r = self._relayer
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await locked_step(r)
                    if not r.auto_relay or not r.pending:
                        return
                    await asyncio.sleep(0.05)
        except TimeoutError as exc:
            raise DevnetError(
                f"superchain relayer did not relay {len(r.pending)} message(s) within {timeout}s"
            ) from exc


def make_component(*, l2_ids: Sequence[int] = (901, 902), **kw: Any) -> SuperchainDevnet:
    """Build the component; `poll_interval` passes through, other keywords are ignored."""
    return SuperchainDevnet(l2_ids=l2_ids, poll_interval=float(kw.get("poll_interval", 0.2)))
