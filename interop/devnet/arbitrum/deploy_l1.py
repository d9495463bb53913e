"""Deploy the real Arbitrum L1 bridge (Bridge, Inbox, Outbox behind TransparentUpgradeableProxy)
wired to our rollup stand-in.

The nitro-contracts initializers are `onlyDelegated`, so each contract is deployed as an
implementation plus a proxy whose constructor calls `initialize` (admin: a `ProxyAdmin`, so the
deployer itself can still call the proxies). The deployer owns the rollup stand-in, which makes
it the Bridge's "rollup owner" allowed to register the Inbox and the Outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.client import ChainClient
from interop.devnet.arbitrum.artifacts import Artifact, calldata, nitro_artifact, own_artifact
from interop.errors import DevnetError
from interop.signer import Signer
from interop.types import ZERO_ADDRESS, Address

__all__ = ["L1Deployment", "deploy_l1"]


@dataclass(frozen=True)
class L1Deployment:
    bridge: Address
    inbox: Address
    outbox: Address
    rollup: Address
    proxy_admin: Address

    def as_dict(self) -> dict[str, Address]:
        return {
            "bridge": self.bridge,
            "inbox": self.inbox,
            "outbox": self.outbox,
            "rollup": self.rollup,
            "proxy_admin": self.proxy_admin,
        }


async def _deploy(client: ChainClient, signer: Signer, art: Artifact, *args: object) -> Address:
    h = await send_transaction(client, signer, to=None, data=art.deploy_data(*args))
    rcpt = await wait_for_receipt(client, h)
    if rcpt.contract_address is None:
        raise DevnetError(f"deploying {art.name} created no contract")
    return rcpt.contract_address


async def _call(client: ChainClient, signer: Signer, to: str, data: bytes) -> None:
    h = await send_transaction(client, signer, to=to, data=data)
    await wait_for_receipt(client, h)


async def _proxy(
    client: ChainClient, signer: Signer, impl: Address, admin: Address, init: bytes
) -> Address:
    return await _deploy(
        client, signer, nitro_artifact("TransparentUpgradeableProxy"), impl, admin, init
    )


async def deploy_l1(
    client: ChainClient,
    deployer: Signer,
    *,
    confirm_period_blocks: int,
    confirm_period_seconds: int,
    max_data_size: int,
) -> L1Deployment:
    """Deploy and wire everything; the deployer is rollup owner and validator."""
    me = deployer.address
    rollup = await _deploy(
        client,
        deployer,
        own_artifact("RollupStandIn"),
        me,
        me,
        confirm_period_blocks,
        confirm_period_seconds,
    )
    admin = await _deploy(client, deployer, nitro_artifact("ProxyAdmin"))
    bridge_impl = await _deploy(client, deployer, nitro_artifact("Bridge"))
    bridge = await _proxy(
        client, deployer, bridge_impl, admin, calldata("initialize(address)", rollup)
    )
    inbox_impl = await _deploy(client, deployer, nitro_artifact("Inbox"), max_data_size)
    inbox = await _proxy(
        client,
        deployer,
        inbox_impl,
        admin,
        calldata("initialize(address,address)", bridge, ZERO_ADDRESS),
    )
    outbox_impl = await _deploy(client, deployer, nitro_artifact("Outbox"))
    outbox = await _proxy(
        client, deployer, outbox_impl, admin, calldata("initialize(address)", bridge)
    )
    await _call(client, deployer, bridge, calldata("setDelayedInbox(address,bool)", inbox, True))
    await _call(client, deployer, bridge, calldata("setOutbox(address,bool)", outbox, True))
    await _call(
        client,
        deployer,
        rollup,
        calldata("setBridgeContracts(address,address,address)", bridge, inbox, outbox),
    )
    return L1Deployment(bridge=bridge, inbox=inbox, outbox=outbox, rollup=rollup, proxy_admin=admin)
