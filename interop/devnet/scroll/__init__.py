"""Scroll on the devnet: Scroll's own contracts compiled from source, and a sequencer / rollup
relayer stand-in.

`make_component(l1_id, l2_id, **kw)` returns a `ScrollDevnet`, which on `start(devnet)`:

- compiles `@scroll-tech/contracts@4.0.0` (cached; see `artifacts`);
- deploys as Scroll's own deployment does: OpenZeppelin `TransparentUpgradeableProxy`s owned by a
  `ProxyAdmin`, first pointing at `EmptyContract`, then upgraded to implementations built with
  the proxies' addresses (so constructor immutables such as counterparts can be circular);
- L1: `L1ScrollMessenger`, `L1MessageQueueV1` (only as V2's predecessor: empty), `L1MessageQueueV2`
  with `SystemConfig`'s message-queue fee parameters, `ScrollChainMockFinalize` (Scroll's own mock
  that finalizes without a zk proof) with the L2 genesis imported as batch 0, `L1ETHGateway`,
  `L1GatewayRouter`;
- L2: `L2ScrollMessenger`, `L2ETHGateway`, `L2GatewayRouter` behind proxies, and the predeploys
  `L2MessageQueue` (0x5300…00), `L1GasPriceOracle` (0x5300…02, Curie mode with the scalars Scroll
  set at Curie) and its `Whitelist` (0x5300…03) at their real addresses;
- the L2 messenger holds a float that pays L1->L2 values out (Scroll's L2 messenger is funded at
  genesis the same way); the L2 accounts' genesis ETH is backed on L1 in the L1 messenger by the
  devnet core (`ScrollFamily.genesis_escrow`);
- runs `ScrollRelayer` (relayer.py): L1 messages relayed on L2 by the aliased L1 messenger,
  L2 blocks committed in batches (a real blob transaction) and finalized with the withdraw root
  after `finalize_delay` seconds of L1 time, the gas oracle fed L1's base fees.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import rlp
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.abi import Fn
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.component import RelayerComponent
from interop.devnet.scroll.artifacts import artifact
from interop.devnet.scroll.chain import (
    DEVNET_SCROLL,
    L2_ETH_GATEWAY,
    L2_GATEWAY_ROUTER,
    L2_MESSENGER,
)
from interop.devnet.scroll.relayer import ScrollRelayer, warm_up_blobs
from interop.errors import DevnetError, TransactionFailedError
from interop.signer import SafeSigner, account_from_key
from interop.spec.scroll import abis
from interop.spec.scroll.predeploys import L1_GAS_PRICE_ORACLE, L2_MESSAGE_QUEUE, L2_WHITELIST
from interop.types import Address, hex_to_bytes, to_address

if TYPE_CHECKING:
    from interop.devnet.core import Devnet

__all__ = [
    "BLOB_SCALAR",
    "COMMIT_SCALAR",
    "DEVNET_SCROLL",
    "OWNER_KEY",
    "SEQUENCER_KEY",
    "ScrollDevnet",
    "make_component",
]

OWNER_KEY = "0x" + keccak(b"interop devnet scroll owner").hex()
"""Deployer, proxy-admin owner, prover and gas-oracle feeder (never a test account)."""
SEQUENCER_KEY = "0x" + keccak(b"interop devnet scroll sequencer").hex()
"""Commits batches (blob transactions, signed outside the SDK's nonce manager: a key of its
own, as Scroll's sequencer/committer and prover are separate accounts)."""
FEE_VAULT = to_address(keccak(b"interop devnet scroll fee vault")[12:])
COMMIT_SCALAR = 230759955285
BLOB_SCALAR = 417565260
"""`L1GasPriceOracle` scalars Scroll set at the Curie upgrade (scroll-tech/go-ethereum
`rollup/rcfg`: InitialCommitScalar, InitialBlobScalar)."""
MAX_GAS_LIMIT = 10_000_000
"""`SystemConfig.messageQueueParameters.maxGasLimit`: the most gas one L1->L2 message may ask."""
BASE_FEE_OVERHEAD = 10_000_000
BASE_FEE_SCALAR = 10**16
"""The queue's L2 base-fee estimate: `L1 basefee * scalar / 1e18 + overhead` (devnet values)."""
L2_FLOAT = 10**9 * 10**18

_UPGRADE = Fn("upgrade(address,address)")
_SYS_INIT = Fn("initialize(address,address,(uint32,uint112,uint112),(uint24,uint24))")
_CHAIN_INIT = Fn("initialize(address,address,uint256)")
_QUEUE_V2_INIT = Fn("initialize()")
_L1_MESSENGER_INIT = Fn("initialize(address,address,address,address)")
_GATEWAY_INIT = Fn("initialize(address,address,address)")
_ROUTER_INIT = Fn("initialize(address,address)")
_L2_MESSENGER_INIT = Fn("initialize(address)")
_ADD_SEQUENCER = Fn("addSequencer(address)")
_ADD_PROVER = Fn("addProver(address)")
_L2_QUEUE_INIT = Fn("initialize(address)")
_WHITELIST_UPDATE = Fn("updateWhitelistStatus(address[],bool)")
_ORACLE_UPDATE_WHITELIST = Fn("updateWhitelist(address)")
_ORACLE_ENABLE_CURIE = Fn("enableCurie()")
_ORACLE_SET_COMMIT = Fn("setCommitScalar(uint256)")
_ORACLE_SET_BLOB = Fn("setBlobScalar(uint256)")
_SET_FEES = Fn("setL1BaseFeeAndBlobBaseFee(uint256,uint256)")

log = logging.getLogger("interop.devnet.scroll")

_WARMUP_KEY = "0x" + keccak(b"interop devnet scroll blob warm-up").hex()


def _create_address(sender: str, nonce: int) -> Address:
    return to_address(keccak(rlp.encode([hex_to_bytes(sender), nonce]))[12:])


class _Deployer:
    """Sends one signer's transactions back to back with explicit nonces (anvil mines them in
    nonce order), so a contract's address is known before it exists; `flush()` waits for all
    and fails on any revert."""

    def __init__(self, client: ChainClient, signer: SafeSigner) -> None:
        self.client, self.signer = client, signer
        self.nonce = -1
        self.sent: list[tuple[str, str]] = []

    async def begin(self) -> None:
        self.nonce = await self.client.get_nonce(self.signer.address)

    async def send(self, to: str | None, data: bytes, what: str, value: int = 0) -> Address:
        addr = _create_address(self.signer.address, self.nonce)
        h = await send_transaction(
            self.client, self.signer, to=to, data=data, value=value, nonce=self.nonce,
            gas=12_000_000,
        )  # fmt: skip
        self.nonce += 1
        self.sent.append((h, what))
        return addr

    async def deploy(
        self, name: str, types: list[str] | None = None, args: list[Any] | None = None
    ) -> Address:
        data = artifact(name).bytecode + (abi_encode(types, args or []) if types else b"")
        return await self.send(None, data, name)

    async def upgrade(
        self, admin: str, proxy: str, impl: str, init: bytes | None, what: str
    ) -> None:
        """Point `proxy` at `impl`, then call `init` through the proxy from the deployer (as
        Scroll's deploy scripts do: an initializer run by the ProxyAdmin would make the admin
        contract the owner)."""
        await self.send(admin, _UPGRADE.encode(proxy, impl), f"{what} upgrade")
        if init is not None:
            await self.send(proxy, init, f"{what} initialize")

    async def flush(self) -> None:
        sent, self.sent = self.sent, []
        for h, what in sent:
            try:
                await wait_for_receipt(self.client, h)
            except TransactionFailedError as exc:
                raise DevnetError(
                    f"scroll devnet: {what} reverted on chain {self.client.chain.id} ({h})"
                ) from exc


class ScrollDevnet(RelayerComponent[ScrollRelayer]):
    """Devnet component `scroll`. `sync()` runs the relayer once: relay every L1 message so
    far, commit the new L2 blocks, finalize what is due."""

    name = "scroll"
    label = "scroll relayer"

    def __init__(
        self,
        *,
        l1_id: int = 900,
        l2_id: int = DEVNET_SCROLL.id,
        finalize_delay: int = 60,
        poll_interval: float = 0.2,
    ) -> None:
        super().__init__(l1_id=l1_id, l2_id=l2_id, poll_interval=poll_interval)
        self.finalize_delay = finalize_delay
        self.addresses: dict[str, Address] = {}

    @property
    def owner(self) -> SafeSigner:
        return account_from_key(OWNER_KEY)

    async def deploy(self, devnet: Devnet, l1: ChainClient, l2: ChainClient) -> ScrollRelayer:
        # First, and awaited: anvil answers nothing while it loads its KZG setup for the first
        # blob it sees (15-18 s on a busy machine; `warm_up_blobs`). Done in the background,
        # that stall landed on whatever used the L1 next (the devnet backing genesis funds:
        # `anvil_setBalance ... timed out`, a failed start); here only this call waits, before
        # the rest of the devnet is handed out.
        warm = account_from_key(_WARMUP_KEY).address
        await l1.request("anvil_setBalance", [warm, hex(10**21)])
        log.info("scroll devnet: KZG set-up loaded in %.1f s", await warm_up_blobs(l1, _WARMUP_KEY))
        owner = self.owner
        for c in (l1, l2):
            await c.request("anvil_setBalance", [owner.address, hex(10**24)])
        d1, d2 = _Deployer(l1, owner), _Deployer(l2, owner)
        await d1.begin()
        await d2.begin()
        a = self.addresses
        # ---- proxies first (at EmptyContract), so every implementation can name them
        a["l2_admin"] = await d2.deploy("ProxyAdmin")
        empty2 = await d2.deploy("EmptyContract")
        proxy_args = ["address", "address", "bytes"]
        for key in ("l2_messenger", "l2_eth_gateway", "l2_router"):
            a[key] = await d2.deploy(
                "TransparentUpgradeableProxy", proxy_args, [empty2, a["l2_admin"], b""]
            )
        a["l1_admin"] = await d1.deploy("ProxyAdmin")
        empty1 = await d1.deploy("EmptyContract")
        for key in (
            "messenger",
            "queue_v1",
            "queue_v2",
            "system_config",
            "chain",
            "eth_gateway",
            "router",
        ):
            a[key] = await d1.deploy(
                "TransparentUpgradeableProxy", proxy_args, [empty1, a["l1_admin"], b""]
            )
        enforced = verifier = (
            empty1  # no EnforcedTxGateway / zk verifier on the devnet: placeholders
        )
        # ---- L1 implementations
        impl = await d1.deploy("SystemConfig")
        init = _SYS_INIT.encode(
            owner.address, owner.address, (MAX_GAS_LIMIT, BASE_FEE_OVERHEAD, BASE_FEE_SCALAR),
            (2**24 - 1, 2**24 - 1),
        )  # fmt: skip
        await d1.upgrade(a["l1_admin"], a["system_config"], impl, init, "SystemConfig init")
        impl = await d1.deploy(
            "L1MessageQueueV1",
            ["address", "address", "address"],
            [a["messenger"], a["chain"], enforced],
        )
        await d1.upgrade(a["l1_admin"], a["queue_v1"], impl, None, "L1MessageQueueV1")
        impl = await d1.deploy(
            "ScrollChainMockFinalize", ["uint64", "address", "address", "address", "address"],
            [self.l2_id, a["queue_v1"], a["queue_v2"], verifier, a["system_config"]],
        )  # fmt: skip
        init = _CHAIN_INIT.encode(a["queue_v1"], verifier, 100)
        await d1.upgrade(a["l1_admin"], a["chain"], impl, init, "ScrollChain init")
        impl = await d1.deploy(
            "L1MessageQueueV2", ["address"] * 5,
            [a["messenger"], a["chain"], enforced, a["queue_v1"], a["system_config"]],
        )  # fmt: skip
        await d1.upgrade(
            a["l1_admin"], a["queue_v2"], impl, _QUEUE_V2_INIT.encode(), "L1MessageQueueV2 init"
        )
        impl = await d1.deploy(
            "L1ScrollMessenger", ["address"] * 5,
            [a["l2_messenger"], a["chain"], a["queue_v1"], a["queue_v2"], enforced],
        )  # fmt: skip
        init = _L1_MESSENGER_INIT.encode(a["l2_messenger"], FEE_VAULT, a["chain"], a["queue_v2"])
        await d1.upgrade(a["l1_admin"], a["messenger"], impl, init, "L1ScrollMessenger init")
        gw = [a["l2_eth_gateway"], a["router"], a["messenger"]]
        impl = await d1.deploy("L1ETHGateway", ["address"] * 3, gw)
        await d1.upgrade(
            a["l1_admin"], a["eth_gateway"], impl, _GATEWAY_INIT.encode(*gw), "L1ETHGateway init"
        )
        impl = await d1.deploy("L1GatewayRouter")
        init = _ROUTER_INIT.encode(a["eth_gateway"], "0x" + "00" * 20)
        await d1.upgrade(a["l1_admin"], a["router"], impl, init, "L1GatewayRouter init")
        sequencer = account_from_key(SEQUENCER_KEY).address
        await l1.request("anvil_setBalance", [sequencer, hex(10**24)])
        await d1.send(a["chain"], _ADD_SEQUENCER.encode(sequencer), "addSequencer")
        await d1.send(a["chain"], _ADD_PROVER.encode(owner.address), "addProver")
        # ---- L2 implementations and predeploys
        impl = await d2.deploy(
            "L2ScrollMessenger", ["address", "address"], [a["messenger"], L2_MESSAGE_QUEUE]
        )
        await d2.upgrade(
            a["l2_admin"],
            a["l2_messenger"],
            impl,
            _L2_MESSENGER_INIT.encode(owner.address),
            "L2ScrollMessenger init",
        )
        gw = [a["eth_gateway"], a["l2_router"], a["l2_messenger"]]
        impl = await d2.deploy("L2ETHGateway", ["address"] * 3, gw)
        await d2.upgrade(
            a["l2_admin"], a["l2_eth_gateway"], impl, _GATEWAY_INIT.encode(*gw), "L2ETHGateway init"
        )
        impl = await d2.deploy("L2GatewayRouter")
        init = _ROUTER_INIT.encode(a["l2_eth_gateway"], "0x" + "00" * 20)
        await d2.upgrade(a["l2_admin"], a["l2_router"], impl, init, "L2GatewayRouter init")
        temps = {
            L2_MESSAGE_QUEUE: await d2.deploy("L2MessageQueue", ["address"], [owner.address]),
            L2_WHITELIST: await d2.deploy("Whitelist", ["address"], [owner.address]),
            L1_GAS_PRICE_ORACLE: await d2.deploy("L1GasPriceOracle", ["address"], [owner.address]),
        }
        await d1.flush()
        await d2.flush()
        for real, temp in temps.items():
            await _move_predeploy(l2, temp, real)
        await d2.begin()
        await d2.send(
            L2_MESSAGE_QUEUE, _L2_QUEUE_INIT.encode(a["l2_messenger"]), "L2MessageQueue init"
        )
        await d2.send(L2_WHITELIST, _WHITELIST_UPDATE.encode([owner.address], True), "whitelist")
        await d2.send(
            L1_GAS_PRICE_ORACLE, _ORACLE_UPDATE_WHITELIST.encode(L2_WHITELIST), "oracle whitelist"
        )
        await d2.send(L1_GAS_PRICE_ORACLE, _ORACLE_ENABLE_CURIE.encode(), "enableCurie")
        await d2.send(
            L1_GAS_PRICE_ORACLE, _ORACLE_SET_COMMIT.encode(COMMIT_SCALAR), "commit scalar"
        )
        await d2.send(L1_GAS_PRICE_ORACLE, _ORACLE_SET_BLOB.encode(BLOB_SCALAR), "blob scalar")
        l1_fees = await ScrollRelayer.l1_fees(l1)
        await d2.send(L1_GAS_PRICE_ORACLE, _SET_FEES.encode(*l1_fees), "L1 base fees")
        await d2.flush()
        await l2.request("anvil_setBalance", [a["l2_messenger"], hex(L2_FLOAT)])
        # ---- genesis batch: the L2 as deployed (Scroll imports its genesis block the same
        # way); the first real batch is committed when the L2 has a block after it
        genesis = await l2.get_block("latest")
        header0 = bytes(1 + 8 + 8 + 8) + keccak(b"interop devnet scroll genesis") + bytes(32)
        await d1.begin()
        await d1.send(
            a["chain"],
            abis.IMPORT_GENESIS_BATCH.encode(header0, hex_to_bytes(genesis["stateRoot"])),
            "importGenesisBatch",
        )
        await d1.flush()
        chain = devnet.chain(self.l2_id)
        parents = {k: dict(v) for k, v in chain.parent_contracts.items()}
        parents.setdefault(self.l1_id, {}).update(
            {
                ContractName.SCROLL_MESSENGER: a["messenger"],
                ContractName.SCROLL_GATEWAY_ROUTER: a["router"],
                ContractName.SCROLL_ETH_GATEWAY: a["eth_gateway"],
                ContractName.SCROLL_MESSAGE_QUEUE: a["queue_v2"],
                ContractName.SCROLL_CHAIN: a["chain"],
            }
        )
        devnet.update_chain(
            chain.replace(
                contracts={
                    **chain.contracts,
                    L2_MESSENGER: a["l2_messenger"],
                    L2_GATEWAY_ROUTER: a["l2_router"],
                    L2_ETH_GATEWAY: a["l2_eth_gateway"],
                    "l2_message_queue": L2_MESSAGE_QUEUE,
                },
                parent_contracts=parents,
            )
        )
        relayer = ScrollRelayer(
            l1, l2, owner, SEQUENCER_KEY,
            messenger=a["messenger"], queue=a["queue_v2"], rollup=a["chain"],
            l2_messenger=a["l2_messenger"], genesis_batch_hash=keccak(header0),
            first_l1_block=await l1.block_number(), first_l2_block=int(genesis["number"], 16),
            finalize_delay=self.finalize_delay,
        )  # fmt: skip
        relayer.fees = l1_fees
        return relayer


async def _move_predeploy(l2: ChainClient, temp: str, real: str) -> None:
    """Give `real` the code and storage of the contract deployed at `temp` (its constructor ran
    there): how a predeploy at a fixed address gets a constructor's effects on anvil. Storage is
    copied slot by slot over the low slots these contracts use (owner, whitelist)."""
    code = await l2.request("eth_getCode", [temp, "latest"])
    await l2.request("anvil_setCode", [real, code])
    slots = await l2.batch([("eth_getStorageAt", [temp, hex(i), "latest"]) for i in range(128)])
    for i, v in enumerate(slots):
        if isinstance(v, str) and int(v, 16):
            await l2.request(
                "anvil_setStorageAt", [real, hex(i), "0x" + int(v, 16).to_bytes(32, "big").hex()]
            )


def make_component(l1_id: int = 900, l2_id: int = DEVNET_SCROLL.id, **kw: Any) -> ScrollDevnet:
    """The `scroll` devnet component. Unknown keywords (meant for other components) are ignored."""
    known = {"finalize_delay", "poll_interval"}
    return ScrollDevnet(l1_id=l1_id, l2_id=l2_id, **{k: v for k, v in kw.items() if k in known})
