"""ZKsync (ZK Stack) on the devnet: an emulation written against the real interfaces.

No ZKsync node can run here (its L2 is EraVM; no registry package ships a node), and
`@matterlabs/zksync-contracts` ships the interfaces but not the L1 implementations. So
`make_component(l1_id, l2_id, **kw)` returns a `ZkSyncDevnet` which on `start(devnet)`:
- deploys on L1 our emulation contracts (contracts/ZkSyncEmulation.sol, compiled against the
  package's structs and events): `EmuBridgehub` (`requestL2TransactionDirect`,
  `l2TransactionBaseCost`, `getZKChain`, `proveL2MessageInclusion`), the chain's diamond
  `EmuZkChain` (Mailbox writing `NewPriorityRequest` with the canonical hash, Getters, Executor),
  `EmuL1AssetRouter` (the Bridgehub's `sharedBridge`) and `EmuL1Nullifier`
  (`finalizeDeposit` / `finalizeWithdrawal`, `isWithdrawalFinalized`), holding the chain's ETH;
- places on the L2 anvil `L1Messenger` at 0x…8008 and `L2BaseToken` at 0x…800A;
- starts the RPC shim (shim.py) in front of the L2 anvil (the chain's RPC URL becomes it);
- runs the sequencer / prover / operator (sequencer.py).
docs/devnet-zksync.md says, page by page, what is emulated and why.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import rlp
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.abi import Fn
from interop.actions.contract import send_call
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.component import RelayerComponent
from interop.devnet.zksync.artifacts import artifact
from interop.devnet.zksync.chain import DEVNET_ZKSYNC
from interop.devnet.zksync.sequencer import Sequencer
from interop.devnet.zksync.shim import ZkSyncShim
from interop.signer import SafeSigner, account_from_key
from interop.spec.zksync.addresses import L1_MESSENGER, L2_BASE_TOKEN
from interop.types import Address, hex_to_bytes, to_address

if TYPE_CHECKING:
    from interop.devnet.core import Devnet

__all__ = ["DEVNET_ZKSYNC", "OPERATOR_KEY", "ZkSyncDevnet", "make_component"]

OPERATOR_KEY = "0x" + keccak(b"interop devnet zksync operator").hex()
"""Deployer, Bridgehub admin and the chain's operator (never a test account)."""

_SET_ADDRESSES = Fn("setAddresses(address,address)")
_SET_ASSET_ROUTER = Fn("setAssetRouter(address)")
_REGISTER_CHAIN = Fn("registerChain(uint256,address)")


def _create_address(sender: str, nonce: int) -> Address:
    return to_address(keccak(rlp.encode([hex_to_bytes(sender), nonce]))[12:])


class ZkSyncDevnet(RelayerComponent[Sequencer]):
    """Devnet component `zksync`. `sync()` runs the sequencer once: execute queued priority
    operations, seal and commit a batch, execute what is due."""

    name = "zksync"
    label = "zksync sequencer"

    def __init__(
        self,
        *,
        l1_id: int = 900,
        l2_id: int = DEVNET_ZKSYNC.id,
        execute_delay: int = 120,
        poll_interval: float = 0.2,
    ) -> None:
        super().__init__(l1_id=l1_id, l2_id=l2_id, poll_interval=poll_interval)
        self.execute_delay = execute_delay
        self.bridgehub: Address | None = None
        self.diamond: Address | None = None
        self.asset_router: Address | None = None
        self.nullifier: Address | None = None
        self.shim: ZkSyncShim | None = None

    @property
    def sequencer(self) -> Sequencer | None:
        """The running sequencer / prover / operator (the component's relayer)."""
        return self.relayer

    @property
    def operator(self) -> SafeSigner:
        return account_from_key(OPERATOR_KEY)

    async def deploy(self, devnet: Devnet, l1: ChainClient, l2: ChainClient) -> Sequencer:
        op = self.operator
        for c in (l1, l2):
            await c.request("anvil_setBalance", [op.address, hex(10**24)])
        n = await l1.get_nonce(op.address)
        bridgehub = _create_address(op.address, n)
        nullifier = _create_address(op.address, n + 1)
        router = _create_address(op.address, n + 2)
        diamond = _create_address(op.address, n + 3)
        creations = (
            artifact("EmuBridgehub").bytecode,
            artifact("EmuL1Nullifier").bytecode + abi_encode(["address"], [bridgehub]),
            artifact("EmuL1AssetRouter").bytecode
            + abi_encode(["address", "address"], [bridgehub, nullifier]),
            artifact("EmuZkChain").bytecode
            + abi_encode(["address", "uint256", "address"], [bridgehub, self.l2_id, op.address]),
        )
        sent = [
            await send_transaction(l1, op, to=None, data=code, nonce=n + i, gas=8_000_000)
            for i, code in enumerate(creations)
        ]
        for h in sent:
            await wait_for_receipt(l1, h)
        await send_call(l1, op, bridgehub, _SET_ADDRESSES.encode(router, nullifier))
        await send_call(l1, op, nullifier, _SET_ASSET_ROUTER.encode(router))
        await send_call(l1, op, bridgehub, _REGISTER_CHAIN.encode(self.l2_id, diamond))
        self.bridgehub, self.diamond = bridgehub, diamond
        self.asset_router, self.nullifier = router, nullifier
        for addr, name in ((L1_MESSENGER, "EmuL1Messenger"), (L2_BASE_TOKEN, "EmuL2BaseToken")):
            await l2.request("anvil_setCode", [addr, "0x" + artifact(name).runtime.hex()])
        sequencer = Sequencer(
            l1,
            l2,
            op,
            chain_id=self.l2_id,
            diamond=diamond,
            first_l1_block=await l1.block_number(),
            first_l2_block=await l2.block_number(),
            execute_delay=self.execute_delay,
        )
        self.shim = ZkSyncShim(
            devnet.nodes[self.l2_id].url,
            sequencer,
            l1_chain_id=self.l1_id,
            bridgehub=bridgehub,
            diamond=diamond,
            asset_router=router,
            nullifier=nullifier,
        )
        await self.shim.start()
        chain = devnet.chain(self.l2_id)
        parents = {k: dict(v) for k, v in chain.parent_contracts.items()}
        parents.setdefault(self.l1_id, {}).update(
            {
                ContractName.ZK_BRIDGEHUB: bridgehub,
                ContractName.ZK_DIAMOND_PROXY: diamond,
                ContractName.ZK_SHARED_BRIDGE: router,
                ContractName.ZK_NULLIFIER: nullifier,
            }
        )
        devnet.update_chain(chain.replace(parent_contracts=parents).with_rpc(self.shim.url))
        return sequencer

    async def stop(self) -> None:
        await super().stop()
        if self.shim is not None:
            with contextlib.suppress(Exception):
                await self.shim.stop()
        self.shim = None


def make_component(l1_id: int = 900, l2_id: int = DEVNET_ZKSYNC.id, **kw: Any) -> ZkSyncDevnet:
    """The `zksync` devnet component. Unknown keywords (for other components) are ignored."""
    known = {"execute_delay", "poll_interval"}
    return ZkSyncDevnet(l1_id=l1_id, l2_id=l2_id, **{k: v for k, v in kw.items() if k in known})
