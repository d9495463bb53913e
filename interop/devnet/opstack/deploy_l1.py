"""Deploy the real OP Stack L1 contracts (contracts-bedrock artifacts) for each devnet L2.

Layout, as on mainnet OP chains: every user-facing contract sits behind the real `Proxy` and is
initialised through `upgradeToAndCall`; implementations without per-chain constructor arguments
are deployed once and shared by all L2s, like the superchain does. Differences from a production
deployment, all on purpose: the proxy admin and every owner / guardian / challenger is the
devnet's deployer EOA (no ProxyAdmin contract, no Safe), the init bond for games is zero, and the
periods are seconds instead of days so tests can fast-forward through them; and the factory's
game type 0 implementation is our `L2SequenceNumberGame` in front of the unchanged 0.17.3
FaultDisputeGame, so games answer `l2SequenceNumber()` as later releases do (gamecode.py).

The L2 with `generation == "portal2"` gets the fault-proof system (OptimismPortal2,
DisputeGameFactory, FaultDisputeGame of game type 0 = CANNON, AnchorStateRegistry, DelayedWETH,
PreimageOracle, MIPS); the one with `"portal"` gets the legacy OptimismPortal + L2OutputOracle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.opstack.artifacts import load
from interop.devnet.opstack.chainops import Sender, output_root_at
from interop.devnet.opstack.gamecode import NAME as GAME_NAME
from interop.devnet.opstack.gamecode import deploy_data as game_deploy_data
from interop.types import ZERO_ADDRESS, Address

__all__ = ["GAME_TYPE_CANNON", "L1Deployment", "OpStackParams", "deploy_all"]

GAME_TYPE_CANNON = 0
PortalGeneration = Literal["portal2", "portal"]

# Constants.DEFAULT_RESOURCE_CONFIG of contracts-bedrock (the deposit gas market).
_RESOURCE_CONFIG = (20_000_000, 10, 8, 1_000_000_000, 1_000_000, 2**128 - 1)
# Ecotone fee scalars OP Mainnet's SystemConfig uses; GasPriceOracle reads them via L1Block.
BASEFEE_SCALAR = 1368
BLOBBASEFEE_SCALAR = 810949
# A stand-in cannon prestate: no challenger runs cannon on the devnet, so it is never executed.
# The leading 0x03 is the "unfinished" VM status byte real prestates carry.
ABSOLUTE_PRESTATE = b"\x03" + keccak(b"interop devnet absolute prestate")[1:]


@dataclass
class OpStackParams:
    """Periods (seconds) and sizes; constructor / initializer arguments of the real contracts."""

    proof_maturity_delay: int = 12
    dispute_game_finality_delay: int = 12
    max_clock_duration: int = 12
    clock_extension: int = 0
    finalization_period: int = 12
    delayed_weth_delay: int = 12
    max_game_depth: int = 73
    split_depth: int = 30
    l2_gas_limit: int = 30_000_000

    def key(self) -> str:
        return repr(sorted(vars(self).items()))


@dataclass
class L1Deployment:
    """One L2's contracts on L1. `addresses` uses `ContractName` keys plus extra names."""

    l2_id: int
    generation: PortalGeneration
    addresses: dict[str, Address] = field(default_factory=dict)

    def chain_data(self) -> dict[str, Address]:
        """The subset recorded in `Chain.parent_contracts` (proxies only)."""
        keys = [
            ContractName.OPTIMISM_PORTAL,
            ContractName.L1_CROSS_DOMAIN_MESSENGER,
            ContractName.L1_STANDARD_BRIDGE,
            ContractName.SYSTEM_CONFIG,
            ContractName.SUPERCHAIN_CONFIG,
        ]
        if self.generation == "portal2":
            keys += [ContractName.DISPUTE_GAME_FACTORY, ContractName.ANCHOR_STATE_REGISTRY]
        else:
            keys += [ContractName.L2_OUTPUT_ORACLE]
        return {str(k): self.addresses[str(k)] for k in keys}


class _Deployer:
    def __init__(self, sender: Sender, params: OpStackParams) -> None:
        self.s = sender
        self.p = params
        self._impls: dict[tuple[object, ...], Address] = {}

    async def impl(self, name: str, *args: object) -> Address:
        key = (name, *args)
        if key not in self._impls:
            self._impls[key] = await self.s.deploy(load(name).deploy_data(*args), what=name)
        return self._impls[key]

    async def proxy(self, what: str) -> Address:
        return await self.s.deploy(load("Proxy").deploy_data(self.s.address), what=f"Proxy {what}")

    async def upgrade(self, proxy: Address, impl: Address, name: str, *init: object) -> None:
        data = load(name).call("initialize", *init)
        await self.s.send(
            proxy, load("Proxy").call("upgradeToAndCall", impl, data), what=f"initialize {name}"
        )


async def deploy_all(
    l1: ChainClient,
    sender: Sender,
    l2s: dict[int, ChainClient],
    generations: dict[int, PortalGeneration],
    proposers: dict[int, Address],
    params: OpStackParams,
) -> dict[int, L1Deployment]:
    """Deploy the shared SuperchainConfig and each L2's contracts; return addresses per L2."""
    d = _Deployer(sender, params)
    me = sender.address
    sc_impl = await d.impl("SuperchainConfig")
    superchain = await d.proxy("SuperchainConfig")
    await d.upgrade(superchain, sc_impl, "SuperchainConfig", me, False)
    l1_ts = int((await l1.get_block("latest"))["timestamp"], 16)

    out: dict[int, L1Deployment] = {}
    for l2_id, l2 in l2s.items():
        gen = generations[l2_id]
        dep = L1Deployment(l2_id, gen)
        a = dep.addresses
        a[ContractName.SUPERCHAIN_CONFIG] = superchain
        for key in (
            ContractName.SYSTEM_CONFIG,
            ContractName.OPTIMISM_PORTAL,
            ContractName.L1_CROSS_DOMAIN_MESSENGER,
            ContractName.L1_STANDARD_BRIDGE,
        ):
            a[key] = await d.proxy(f"{key} {l2_id}")
        if gen == "portal2":
            for key in (ContractName.DISPUTE_GAME_FACTORY, ContractName.ANCHOR_STATE_REGISTRY):
                a[key] = await d.proxy(f"{key} {l2_id}")
            a["delayed_weth"] = await d.proxy(f"DelayedWETH {l2_id}")
        else:
            a[ContractName.L2_OUTPUT_ORACLE] = await d.proxy(f"L2OutputOracle {l2_id}")

        portal = a[ContractName.OPTIMISM_PORTAL]
        dgf = a.get(ContractName.DISPUTE_GAME_FACTORY, ZERO_ADDRESS)
        batch_inbox = "0xff" + "00" * 15 + l2_id.to_bytes(4, "big").hex()
        await d.upgrade(
            a[ContractName.SYSTEM_CONFIG],
            await d.impl("SystemConfig"),
            "SystemConfig",
            me,
            BASEFEE_SCALAR,
            BLOBBASEFEE_SCALAR,
            b"\x00" * 12 + bytes.fromhex(me[2:]),
            params.l2_gas_limit,
            me,
            _RESOURCE_CONFIG,
            batch_inbox,
            (
                a[ContractName.L1_CROSS_DOMAIN_MESSENGER],
                ZERO_ADDRESS,
                a[ContractName.L1_STANDARD_BRIDGE],
                dgf,
                portal,
                ZERO_ADDRESS,
                ZERO_ADDRESS,
            ),
        )
        if gen == "portal2":
            await _fault_proofs(d, l1, l2, dep)
            portal_impl = await d.impl(
                "OptimismPortal2", params.proof_maturity_delay, params.dispute_game_finality_delay
            )
            await d.upgrade(
                portal,
                portal_impl,
                "OptimismPortal2",
                dgf,
                a[ContractName.SYSTEM_CONFIG],
                superchain,
                GAME_TYPE_CANNON,
            )
        else:
            head, _ = await _l2_head(l2)
            l2oo = a[ContractName.L2_OUTPUT_ORACLE]
            await d.upgrade(
                l2oo,
                await d.impl("L2OutputOracle"),
                "L2OutputOracle",
                1,  # submission interval: an output for every L2 block
                1,  # L2 block time
                head,
                max(0, l1_ts - 10_000_000),  # well in the past: anvil L2 blocks are not 1 s apart
                proposers[l2_id],
                me,
                params.finalization_period,
            )
            await d.upgrade(
                portal,
                await d.impl("OptimismPortal"),
                "OptimismPortal",
                l2oo,
                a[ContractName.SYSTEM_CONFIG],
                superchain,
            )
        await d.upgrade(
            a[ContractName.L1_CROSS_DOMAIN_MESSENGER],
            await d.impl("L1CrossDomainMessenger"),
            "L1CrossDomainMessenger",
            superchain,
            portal,
            a[ContractName.SYSTEM_CONFIG],
        )
        await d.upgrade(
            a[ContractName.L1_STANDARD_BRIDGE],
            await d.impl("L1StandardBridge"),
            "L1StandardBridge",
            a[ContractName.L1_CROSS_DOMAIN_MESSENGER],
            superchain,
            a[ContractName.SYSTEM_CONFIG],
        )
        out[l2_id] = dep
    return out


async def _l2_head(l2: ChainClient) -> tuple[int, dict[str, object]]:
    block = await l2.get_block("latest")
    return int(str(block["number"]), 16), block


async def _fault_proofs(d: _Deployer, l1: ChainClient, l2: ChainClient, dep: L1Deployment) -> None:
    p, a, me = d.p, dep.addresses, d.s.address
    dgf = a[ContractName.DISPUTE_GAME_FACTORY]
    asr = a[ContractName.ANCHOR_STATE_REGISTRY]
    weth = a["delayed_weth"]
    await d.upgrade(dgf, await d.impl("DisputeGameFactory"), "DisputeGameFactory", me)
    await d.upgrade(
        weth,
        await d.impl("DelayedWETH", p.delayed_weth_delay),
        "DelayedWETH",
        me,
        a[ContractName.SUPERCHAIN_CONFIG],
    )
    head, _ = await _l2_head(l2)
    anchor, _ = await output_root_at(l2, head)
    await d.upgrade(
        asr,
        await d.impl("AnchorStateRegistry", dgf),
        "AnchorStateRegistry",
        [(GAME_TYPE_CANNON, (bytes.fromhex(anchor[2:]), head))],
    )
    oracle = await d.impl("PreimageOracle", 126_000, p.max_clock_duration)
    mips = await d.impl("MIPS", oracle)
    game = await d.impl(
        "FaultDisputeGame",
        GAME_TYPE_CANNON,
        ABSOLUTE_PRESTATE,
        p.max_game_depth,
        p.split_depth,
        p.clock_extension,
        p.max_clock_duration,
        mips,
        weth,
        asr,
        dep.l2_id,
    )
    # the factory clones our L2SequenceNumberGame in front of the unchanged game: current viem
    # calls `l2SequenceNumber()` on every game, which 0.17.3 lacks (see gamecode.py)
    facade = await d.s.deploy(game_deploy_data(game), what=GAME_NAME)
    await d.s.send(
        dgf,
        load("DisputeGameFactory").call("setImplementation", GAME_TYPE_CANNON, facade),
        what="DisputeGameFactory.setImplementation",
    )
    a["fault_dispute_game"] = facade
    a["fault_dispute_game_0_17_3"] = game
    a["mips"] = mips
    a["preimage_oracle"] = oracle


def game_extra_data(l2_block: int) -> bytes:
    """`extraData` of an output-root game: the L2 block number, abi-encoded."""
    return abi_encode(["uint256"], [l2_block])
