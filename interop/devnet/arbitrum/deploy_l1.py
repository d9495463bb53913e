"""Deploy the real Arbitrum BoLD rollup on L1 the way nitro-contracts' own scripts do.

`scripts/deploymentUtils.ts` (`deployAllContracts`) deploys every template (eth- and ERC-20-based
bridge contracts, the one-step provers, the edge challenge manager, the rollup admin and user
logic, the upgrade executor, the validator wallet creator, the L2 factory deploy helper) and a
`RollupCreator` pointing at them; `scripts/rollupCreation.ts` then calls
`RollupCreator.createRollup(params)`, which creates the proxies (`RollupProxy`, the bridge
contracts behind `TransparentUpgradeableProxy` with a `ProxyAdmin`, the challenge manager),
initializes the rollup (genesis assertion, the first sequencer batch), registers the batch
posters and validators and hands ownership to the `UpgradeExecutor`. We do the same with the
bytecode of `@arbitrum/nitro-contracts` 3.2.0 read from the npm cache; only the parameters are
devnet-sized (see `rollup_config`). The deployer is the chain owner (the upgrade executor's
executor), the only batch poster and the only validator: the devnet relayer.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import rlp
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from interop.abi import split_types
from interop.actions.tx import send_transaction, wait_for_receipt
from interop.client import ChainClient
from interop.devnet.arbitrum.artifacts import Artifact, calldata, nitro_artifact
from interop.devnet.arbitrum.bold import (
    ASSERTION_STATE,
    FINISHED,
    AssertionState,
)
from interop.errors import DevnetError
from interop.signer import Signer
from interop.types import ZERO_ADDRESS, Address, hex_to_bytes, to_address

__all__ = ["WASM_MODULE_ROOT", "L1Deployment", "deploy_l1", "rollup_config"]

WASM_MODULE_ROOT = bytes.fromhex("184884e1eb9fefdc158f6c8ac912bb183bf3cf83f0090317e0bc4ac5860baa39")
"""Arbitrum Nitro consensus v32, the value of nitro-contracts' `scripts/config.example.ts`. Only
recorded (no one-step proof is ever run on the devnet)."""

BASE_STAKE = 10**17
"""0.1 (test) WETH: the stake a validator locks on its assertions."""

_CONFIG = (
    "(uint64,address,uint256,bytes32,address,address,uint256,string,uint256,uint64,uint256[],"
    "(uint256,uint256,uint256,uint256),uint256,uint256,uint256," + ASSERTION_STATE + ",uint256,"
    "address,uint8,uint64,(uint64,uint64,uint64),uint256)"
)
CREATE_ROLLUP = (
    "createRollup((" + _CONFIG + ",address[],uint256,address,bool,uint256,address[],address,"
    "address,address))"
)
_ROLLUP_CREATED = keccak(
    b"RollupCreated(address,address,address,address,address,address,address,address,address,"
    b"address,address)"
)


@dataclass(frozen=True)
class L1Deployment:
    bridge: Address
    inbox: Address
    outbox: Address
    rollup: Address
    sequencer_inbox: Address
    rollup_event_inbox: Address
    challenge_manager: Address
    proxy_admin: Address
    upgrade_executor: Address
    stake_token: Address
    rollup_creator: Address
    deployed_at_block: int

    def as_dict(self) -> dict[str, Address]:
        return {
            "bridge": self.bridge,
            "inbox": self.inbox,
            "outbox": self.outbox,
            "rollup": self.rollup,
            "sequencer_inbox": self.sequencer_inbox,
            "rollup_event_inbox": self.rollup_event_inbox,
            "challenge_manager": self.challenge_manager,
            "proxy_admin": self.proxy_admin,
            "upgrade_executor": self.upgrade_executor,
            "stake_token": self.stake_token,
            "rollup_creator": self.rollup_creator,
        }


async def _deploy(client: ChainClient, signer: Signer, art: Artifact, *args: object) -> Address:
    h = await send_transaction(client, signer, to=None, data=art.deploy_data(*args))
    rcpt = await wait_for_receipt(client, h)
    if rcpt.contract_address is None:
        raise DevnetError(f"deploying {art.name} created no contract")
    return rcpt.contract_address


class _Pipeline:
    """Deployments sent back to back with explicit nonces (their addresses follow from the
    nonce), receipts awaited together at the end: ~25 contracts without a receipt round trip
    each, which is most of the start-up time."""

    def __init__(self, client: ChainClient, signer: Signer, nonce: int) -> None:
        self.client, self.signer, self.nonce = client, signer, nonce
        self.sent: list[tuple[str, str]] = []

    async def deploy(self, art: Artifact, *args: object) -> Address:
        n = self.nonce
        h = await send_transaction(
            self.client, self.signer, to=None, data=art.deploy_data(*args), nonce=n
        )
        self.nonce += 1
        self.sent.append((art.name, h))
        return to_address(keccak(rlp.encode([hex_to_bytes(self.signer.address), n]))[12:])

    async def wait(self) -> None:
        rcpts = await asyncio.gather(*(wait_for_receipt(self.client, h) for _, h in self.sent))
        for (name, _h), r in zip(self.sent, rcpts, strict=True):
            if r.contract_address is None:
                raise DevnetError(f"deploying {name} created no contract")


async def _deploy_all(client: ChainClient, signer: Signer, max_data_size: int) -> Address:
    """`deployAllContracts`: every template and the RollupCreator; returns the creator."""
    p = _Pipeline(client, signer, await client.get_nonce(signer.address))

    async def d(name: str, *args: object) -> Address:
        return await p.deploy(nitro_artifact(name), *args)

    reader = await d("Reader4844")
    eth = [
        await d("Bridge"),
        await d("SequencerInbox", max_data_size, reader, False, False),
        await d("SequencerInbox", max_data_size, reader, False, True),
        await d("Inbox", max_data_size),
        await d("RollupEventInbox"),
        await d("Outbox"),
    ]
    erc20 = [
        await d("ERC20Bridge"),
        await d("SequencerInbox", max_data_size, reader, True, False),
        await d("SequencerInbox", max_data_size, reader, True, True),
        await d("ERC20Inbox", max_data_size),
        await d("ERC20RollupEventInbox"),
        await d("ERC20Outbox"),
    ]
    bridge_creator = await d("BridgeCreator", tuple(eth), tuple(erc20))
    provers = [
        await d("OneStepProver0"),
        await d("OneStepProverMemory"),
        await d("OneStepProverMath"),
        await d("OneStepProverHostIo", ZERO_ADDRESS),  # no custom DA validator
    ]
    osp = await d("OneStepProofEntry", *provers)
    challenge_manager = await d("EdgeChallengeManager")
    admin_logic = await d("RollupAdminLogic")
    user_logic = await d("RollupUserLogic")
    upgrade_executor = await d("UpgradeExecutor")
    wallet_creator = await d("ValidatorWalletCreator")
    deploy_helper = await d("DeployHelper")
    creator = await d(
        "RollupCreator",
        signer.address,
        bridge_creator,
        osp,
        challenge_manager,
        admin_logic,
        user_logic,
        upgrade_executor,
        wallet_creator,
        deploy_helper,
    )
    await p.wait()
    return creator


def rollup_config(
    *,
    chain_id: int,
    owner: str,
    stake_token: str,
    confirm_period_blocks: int,
    genesis: AssertionState,
) -> tuple[Any, ...]:
    """`Config` for `createRollup`: the example deployment's values (scripts/config.example.ts)
    except the confirm period (devnet-sized), no minimum assertion period (the devnet asserts
    when a withdrawal is waiting, not every 75 blocks), the delay buffer off (threshold 0, so
    the plain SequencerInbox template is used) and a genesis state that is the L2's own."""
    chain_config = json.dumps(
        {
            "chainId": chain_id,
            "homesteadBlock": 0,
            "daoForkBlock": None,
            "daoForkSupport": True,
            "eip150Block": 0,
            "eip150Hash": "0x" + "00" * 32,
            "eip155Block": 0,
            "eip158Block": 0,
            "byzantiumBlock": 0,
            "constantinopleBlock": 0,
            "petersburgBlock": 0,
            "istanbulBlock": 0,
            "muirGlacierBlock": 0,
            "berlinBlock": 0,
            "londonBlock": 0,
            "clique": {"period": 0, "epoch": 0},
            "arbitrum": {
                "EnableArbOS": True,
                "AllowDebugPrecompiles": False,
                "DataAvailabilityCommittee": False,
                "InitialArbOSVersion": 32,
                "InitialChainOwner": to_address(owner),
                "GenesisBlockNum": 0,
            },
        },
        separators=(",", ":"),
    )
    return (
        confirm_period_blocks,
        stake_token,
        BASE_STAKE,
        WASM_MODULE_ROOT,
        owner,
        owner,  # loserStakeEscrow (must not be 0)
        chain_id,
        chain_config,
        0,  # minimumAssertionPeriod
        201_600,  # validatorAfkBlocks
        [0, BASE_STAKE // 2, BASE_STAKE // 4],  # miniStakeValues (numBigStepLevel + 2)
        (7_200, 12, 86_400, 3_600),  # sequencer inbox max time variation
        2**26,
        2**19,
        2**23,  # layer-zero edge heights
        genesis.as_tuple(),
        0,  # genesisInboxCount
        ZERO_ADDRESS,  # anyTrustFastConfirmer
        1,  # numBigStepLevel
        10,  # challengeGracePeriodBlocks
        (0, 14_400, 833),  # delay buffer off
        0,  # dataCostEstimate
    )


async def deploy_l1(
    client: ChainClient,
    deployer: Signer,
    *,
    chain_id: int,
    confirm_period_blocks: int,
    max_data_size: int,
    genesis_block_hash: bytes,
) -> L1Deployment:
    """Deploy the templates and the creator, create the rollup, return its addresses. The
    deployer is owner, batch poster and validator."""
    me = deployer.address
    stake_token = await _deploy(
        client, deployer, nitro_artifact("TestWETH9"), "Wrapped Ether", "WETH"
    )
    creator = await _deploy_all(client, deployer, max_data_size)
    genesis = AssertionState(block_hash=genesis_block_hash, send_root=b"\x00" * 32, status=FINISHED)
    params = (
        rollup_config(
            chain_id=chain_id,
            owner=me,
            stake_token=stake_token,
            confirm_period_blocks=confirm_period_blocks,
            genesis=genesis,
        ),
        [me],  # validators
        max_data_size,
        ZERO_ADDRESS,  # nativeToken: ETH
        False,  # deployFactoriesToL2
        0,  # maxFeePerGasForRetryables (only with factories)
        [me],  # batchPosters
        ZERO_ADDRESS,  # batchPosterManager
        ZERO_ADDRESS,  # feeTokenPricer
        ZERO_ADDRESS,  # customOsp
    )
    h = await send_transaction(
        client, deployer, to=creator, data=calldata(CREATE_ROLLUP, params), gas=29_000_000
    )
    rcpt = await wait_for_receipt(client, h)
    created = [
        lg for lg in rcpt.logs if lg.topics and hex_to_bytes(lg.topics[0]) == _ROLLUP_CREATED
    ]
    if not created:
        raise DevnetError("RollupCreator.createRollup emitted no RollupCreated")
    lg = created[0]
    rollup = to_address("0x" + lg.topics[1][-40:])
    fields = abi_decode(split_types("address," * 8 + "address"), bytes(lg.data))
    inbox, outbox, event_inbox, cm, admin, seq_inbox, bridge, executor, _wallets = (
        to_address(x) for x in fields
    )
    return L1Deployment(
        bridge=bridge,
        inbox=inbox,
        outbox=outbox,
        rollup=rollup,
        sequencer_inbox=seq_inbox,
        rollup_event_inbox=event_inbox,
        challenge_manager=cm,
        proxy_admin=admin,
        upgrade_executor=executor,
        stake_token=stake_token,
        rollup_creator=creator,
        deployed_at_block=rcpt.block_number,
    )
