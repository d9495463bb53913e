"""Linea on the devnet: the real message-service contracts and a coordinator/postman stand-in.

`make_component(l1_id, l2_id, **kw)` returns a `LineaDevnet`, which on `start(devnet)` deploys,
from the bytecode `@consensys/linea-sdk@0.3.0` ships (`artifacts`): on the L2 anvil the real
`L2MessageService` behind OpenZeppelin's `TransparentUpgradeableProxy` (initialised with the
coordinator as security council and L1->L2 message setter, a minimum fee and a rate limit),
and on L1 the real `LineaRollup` behind the same proxy (initialised with the L2's head block
and state root, the coordinator as security council and operator, system migration block 1 so
every L1->L2 message takes the rolling-hash path). It then runs `LineaRelayer` (see
relayer.py): anchoring, finalization with Merkle roots, the postman. docs/devnet-linea.md
says what is real and what is emulated.

The L2 is a plain anvil (chain id 904): Linea's own node features (`linea_estimateGas`, its
gas pricing) are not emulated; the adapter falls back to `eth_estimateGas` there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rlp
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from interop.actions.contract import send_call
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.chains.model import ContractName
from interop.client import ChainClient
from interop.devnet.component import RelayerComponent
from interop.devnet.linea.artifacts import bytecode
from interop.devnet.linea.chain import DEVNET_LINEA, L2_MESSAGE_SERVICE
from interop.devnet.linea.relayer import FinalizationState, LineaRelayer
from interop.signer import SafeSigner, account_from_key
from interop.spec.linea import abis
from interop.types import Address, hex_to_bytes, to_address

if TYPE_CHECKING:
    from interop.devnet.core import Devnet

__all__ = [
    "COORDINATOR_KEY",
    "DEVNET_LINEA",
    "MINIMUM_FEE",
    "POSTMAN_KEY",
    "LineaDevnet",
    "make_component",
]

COORDINATOR_KEY = "0x" + keccak(b"interop devnet linea coordinator").hex()
"""Deployer, security council, operator and L1->L2 message setter (never a test account)."""
POSTMAN_KEY = "0x" + keccak(b"interop devnet linea postman").hex()
MINIMUM_FEE = 10**12
"""The L2 message service's `minimumFeeInWei` on the devnet (paid to the L2 block's coinbase
by every L2->L1 message); the adapter reads it from the contract."""
RATE_LIMIT = 10**30
L2_FLOAT = 10**9 * 10**18
"""ETH the L2 message service holds to pay L1->L2 claims (Linea mints its float at genesis)."""


def _create_address(sender: str, nonce: int) -> Address:
    return to_address(keccak(rlp.encode([hex_to_bytes(sender), nonce]))[12:])


async def _deploy_behind_proxy(
    client: ChainClient, signer: SafeSigner, impl_name: str, init: bytes
) -> tuple[Address, Address]:
    """Implementation, ProxyAdmin and TransparentUpgradeableProxy(impl, admin, init), sent back
    to back with explicit nonces; returns (proxy, implementation)."""
    n = await client.get_nonce(signer.address)
    impl = _create_address(signer.address, n)
    admin = _create_address(signer.address, n + 1)
    proxy_args = abi_encode(["address", "address", "bytes"], [impl, admin, init])
    sent = []
    for i, data in enumerate(
        (
            bytecode(impl_name),
            bytecode("ProxyAdmin"),
            bytecode("TransparentUpgradeableProxy") + proxy_args,
        )
    ):
        sent.append(
            await send_transaction(client, signer, to=None, data=data, nonce=n + i, gas=9_000_000)
        )
    for h in sent:
        await wait_for_receipt(client, h)
    return _create_address(signer.address, n + 2), impl


class LineaDevnet(RelayerComponent[LineaRelayer]):
    """Devnet component `linea`. `sync()` runs the relayer once: anchor every L1 message so
    far, let the postman claim, finalize what is due."""

    name = "linea"
    label = "linea relayer"

    def __init__(
        self,
        *,
        l1_id: int = 900,
        l2_id: int = DEVNET_LINEA.id,
        finalization_delay: int = 600,
        minimum_fee: int = MINIMUM_FEE,
        poll_interval: float = 0.2,
    ) -> None:
        super().__init__(l1_id=l1_id, l2_id=l2_id, poll_interval=poll_interval)
        self.finalization_delay = finalization_delay
        self.minimum_fee = minimum_fee
        self.rollup: Address | None = None
        self.message_service: Address | None = None

    @property
    def coordinator(self) -> SafeSigner:
        return account_from_key(COORDINATOR_KEY)

    @property
    def postman(self) -> SafeSigner:
        return account_from_key(POSTMAN_KEY)

    async def deploy(self, devnet: Devnet, l1: ChainClient, l2: ChainClient) -> LineaRelayer:
        coord, postman = self.coordinator, self.postman
        for c in (l1, l2):
            for who in (coord, postman):
                await c.request("anvil_setBalance", [who.address, hex(10**24)])
        l2_init = abis.L2_INITIALIZE.encode(coord.address, coord.address, 86_400, RATE_LIMIT)
        l2ms, _ = await _deploy_behind_proxy(l2, coord, "L2MessageService", l2_init)
        await send_call(l2, coord, l2ms, abis.SET_MINIMUM_FEE.encode(self.minimum_fee))
        # On Linea the L2 message service holds the ETH that L1->L2 claims pay out (minted at
        # genesis); on the devnet it gets the same float, mirroring what L1 deposits lock.
        await l2.request("anvil_setBalance", [l2ms, hex(L2_FLOAT)])
        head = await l2.get_block("latest")
        l2_head = int(head["number"], 16)
        l1_init = abis.L1_INITIALIZE.encode(
            hex_to_bytes(head["stateRoot"]),
            l2_head,
            coord.address,  # default verifier: never called (finalization without proof)
            coord.address,
            [coord.address],
            86_400,
            RATE_LIMIT,
            1,
        )
        rollup, _ = await _deploy_behind_proxy(l1, coord, "LineaRollup", l1_init)
        self.rollup, self.message_service = rollup, l2ms
        chain = devnet.chain(self.l2_id)
        parents = {k: dict(v) for k, v in chain.parent_contracts.items()}
        parents.setdefault(self.l1_id, {})[ContractName.LINEA_MESSAGE_SERVICE] = rollup
        devnet.update_chain(
            chain.replace(
                contracts={**chain.contracts, L2_MESSAGE_SERVICE: l2ms}, parent_contracts=parents
            )
        )
        return LineaRelayer(
            l1,
            l2,
            coord,
            postman,
            rollup=rollup,
            message_service=l2ms,
            first_l1_block=await l1.block_number(),
            finalized=FinalizationState(l2_head),
            finalization_delay=self.finalization_delay,
        )


def make_component(l1_id: int = 900, l2_id: int = DEVNET_LINEA.id, **kw: Any) -> LineaDevnet:
    """The `linea` devnet component. Unknown keywords (meant for other components) are ignored."""
    known = {"finalization_delay", "minimum_fee", "poll_interval"}
    return LineaDevnet(l1_id=l1_id, l2_id=l2_id, **{k: v for k, v in kw.items() if k in known})
