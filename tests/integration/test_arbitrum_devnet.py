"""The Arbitrum devnet component: real L1 bridge contracts, emulated L2 precompiles, RPC shim,
relayer. Every flow ends on the REAL Bridge / Inbox / Outbox bytecode from nitro-contracts.

Keys: our own (keccak of a fixed string), funded with anvil_setBalance, so test accounts 0-7
stay free for the adapter tests. Balances are checked as exact deltas of addresses that pay no
gas in between.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from interop.actions.tx import send_transaction, wait_for_receipt
from interop.aliasing import apply_l1_to_l2_alias
from interop.client import ChainClient
from interop.devnet.arbitrum import ArbitrumDevnet
from interop.devnet.arbitrum.artifacts import calldata
from interop.devnet.arbitrum.bold import (
    ASSERTION_CONFIRMED_TOPIC,
    ASSERTION_CREATED_TOPIC,
    decode_assertion_created,
)
from interop.devnet.core import Devnet
from interop.errors import RpcResponseError
from interop.rpc.http import HttpTransport
from interop.signer import SafeSigner, account_from_key
from interop.spec.arbitrum.formulas import (
    ARB_RETRYABLE_TX,
    ARB_SYS,
    L2_TO_L1_TX_TOPIC,
    MESSAGE_DELIVERED_TOPIC,
    NODE_INTERFACE,
    REDEEM_SCHEDULED_TOPIC,
    TICKET_CREATED_TOPIC,
    decode_l2_to_l1_tx,
    decode_message_delivered,
    decode_redeem_scheduled,
    eth_deposit_tx_id,
    l2_to_l1_item_hash,
    retryable_creation_id,
    verify_outbox_proof,
)
from interop.types import hex_to_bytes, to_address, to_hash32
from interop.units import ether, gwei

L1, L2 = 900, 903


def _key(tag: str) -> SafeSigner:
    return account_from_key(keccak(f"interop arbitrum devnet test {tag}".encode()))


def _fresh(tag: str) -> str:
    return to_address(keccak(f"interop arbitrum devnet fresh {tag}".encode())[:20])


@pytest.fixture(scope="module")
async def arb(devnet: Devnet) -> ArbitrumDevnet:
    comp = devnet.component("arbitrum")
    assert isinstance(comp, ArbitrumDevnet)
    return comp


@pytest.fixture
async def clients(devnet: Devnet) -> AsyncIterator[tuple[ChainClient, ChainClient]]:
    async with ChainClient(devnet.chain(L1)) as l1, ChainClient(devnet.chain(L2)) as l2:
        yield l1, l2


async def _funded(l1: ChainClient, l2: ChainClient, tag: str) -> SafeSigner:
    s = _key(tag)
    await l1.request("anvil_setBalance", [s.address, hex(ether("100"))])
    await l2.request("anvil_setBalance", [s.address, hex(ether("100"))])
    return s


async def test_contracts_deployed_and_wired(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    l1, l2 = clients
    pc = devnet.chain(L2).parent_contracts[L1]
    assert set(pc) == {"bridge", "inbox", "outbox", "rollup", "sequencer_inbox"}
    for name in pc:
        assert len(await l1.get_code(pc[name])) > 0, name
    (rollup,) = abi_decode(["address"], await l1.call(pc["bridge"], calldata("rollup()")))
    assert to_address(rollup) == pc["rollup"]
    # the real BoLD rollup knows the whole deployment, as @arbitrum/sdk reads it
    for view, name in (
        ("bridge()", "bridge"),
        ("inbox()", "inbox"),
        ("outbox()", "outbox"),
        ("sequencerInbox()", "sequencer_inbox"),
    ):
        (a,) = abi_decode(["address"], await l1.call(pc["rollup"], calldata(view)))
        assert to_address(a) == pc[name], view
    (period,) = abi_decode(
        ["uint64"], await l1.call(pc["rollup"], calldata("confirmPeriodBlocks()"))
    )
    assert period == arb.confirm_period_blocks == arb.confirm_period_seconds  # L1 block = 1 s
    (cm,) = abi_decode(["address"], await l1.call(pc["rollup"], calldata("challengeManager()")))
    assert len(await l1.get_code(to_address(cm))) > 0
    (is_validator,) = abi_decode(
        ["bool"],
        await l1.call(pc["rollup"], calldata("isValidator(address)", arb.deployer.address)),
    )
    assert is_validator
    (genesis,) = abi_decode(
        ["bytes32"], await l1.call(pc["rollup"], calldata("genesisAssertionHash()"))
    )
    assert genesis != b"\x00" * 32
    (outbox_rollup,) = abi_decode(["address"], await l1.call(pc["outbox"], calldata("rollup()")))
    assert to_address(outbox_rollup) == pc["rollup"]
    (allowed,) = abi_decode(
        ["bool"],
        await l1.call(pc["bridge"], calldata("allowedDelayedInboxes(address)", pc["inbox"])),
    )
    assert allowed
    assert devnet.chain(L2).rpc_urls[0] != arb.l2_node_url  # users see the shim
    assert int(await l2.request("eth_chainId"), 16) == L2
    for a in (ARB_SYS, ARB_RETRYABLE_TX, NODE_INTERFACE):
        assert len(await l2.get_code(a)) > 0
    (chain_id,) = abi_decode(["uint256"], await l2.call(ARB_SYS, calldata("arbChainID()")))
    assert chain_id == L2
    block = await l2.get_block("latest")
    assert {"sendRoot", "sendCount", "l1BlockNumber"} <= set(block)


async def test_deposit_eth_credits_l2_and_shim_serves_0x64_receipt(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    l1, l2 = clients
    user = await _funded(l1, l2, "depositor")
    inbox = devnet.chain(L2).parent_contract("inbox", L1)
    amount = ether("1.25")
    before = await l2.get_balance(user.address)
    h = await send_transaction(l1, user, to=inbox, value=amount, data=calldata("depositEth()"))
    rcpt = await wait_for_receipt(l1, h)
    md = decode_message_delivered(
        next(x for x in rcpt.logs if x.topics[0] == MESSAGE_DELIVERED_TOPIC)
    )
    assert md.kind == 12
    assert md.sender == apply_l1_to_l2_alias(user.address)  # the Inbox always aliases
    await arb.sync()
    assert await l2.get_balance(user.address) - before == amount
    tx_id = to_hash32(eth_deposit_tx_id(L2, md.message_index, md.sender, user.address, amount))
    l2_rcpt = await l2.request("eth_getTransactionReceipt", [tx_id])
    assert l2_rcpt is not None and l2_rcpt["status"] == "0x1" and l2_rcpt["type"] == "0x64"
    assert to_address(l2_rcpt["to"]) == user.address
    tx = await l2.get_transaction(tx_id)
    assert tx is not None and int(tx["value"], 16) == amount
    block = await l2.request("eth_getBlockByNumber", [l2_rcpt["blockNumber"], False])
    assert tx_id in block["transactions"]


async def test_withdraw_eth_executes_on_real_outbox(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    l1, l2 = clients
    user = await _funded(l1, l2, "withdrawer")
    executor = await _funded(l1, l2, "executor")
    pc = devnet.chain(L2).parent_contracts[L1]
    # make sure the bridge holds enough ETH whatever ran before
    h = await send_transaction(
        l1, user, to=pc["inbox"], value=ether("2"), data=calldata("depositEth()")
    )
    await wait_for_receipt(l1, h)
    dest = _fresh("withdraw dest")
    amount = ether("0.3")
    h = await send_transaction(
        l2, user, to=ARB_SYS, value=amount, data=calldata("withdrawEth(address)", dest)
    )
    rcpt = await wait_for_receipt(l2, h)
    ev = decode_l2_to_l1_tx(next(x for x in rcpt.logs if x.topics[0] == L2_TO_L1_TX_TOPIC))
    assert ev.caller == user.address and ev.destination == dest and ev.callvalue == amount
    assert ev.arb_block_num == rcpt.block_number
    item = l2_to_l1_item_hash(
        ev.caller,
        ev.destination,
        ev.arb_block_num,
        ev.eth_block_num,
        ev.timestamp,
        ev.callvalue,
        ev.data,
    )
    assert to_hash32(item) == ev.hash

    await arb.sync()  # -> batch posted, BoLD assertion staked
    rollup, outbox = pc["rollup"], pc["outbox"]
    created = await l1.get_logs(
        address=rollup, topics=[ASSERTION_CREATED_TOPIC], from_block=0, to_block="latest"
    )
    newest = decode_assertion_created(created[-1])
    block = await l2.get_block_by_hash(to_hash32(newest.after.block_hash))
    assert block is not None
    send_count = int(block["sendCount"], 16)
    assert send_count > ev.position
    assert bytes(newest.after.send_root) == hex_to_bytes(block["sendRoot"])
    (node,) = abi_decode(
        ["(uint64,uint64,uint64,bool,uint8,bytes32)"],
        await l1.call(rollup, calldata("getAssertion(bytes32)", newest.hash)),
    )
    assert node[4] == 1  # Pending
    (staked,) = abi_decode(
        ["bytes32"],
        await l1.call(rollup, calldata("latestStakedAssertion(address)", arb.deployer.address)),
    )
    assert bytes(staked) == newest.hash
    # not executable before confirmation: the real Outbox does not know the root yet
    proof_raw = await l2.call(
        NODE_INTERFACE, calldata("constructOutboxProof(uint64,uint64)", send_count, ev.position)
    )
    send, root, proof = abi_decode(["bytes32", "bytes32", "bytes32[]"], proof_raw)
    assert to_hash32(send) == ev.hash
    assert bytes(root) == newest.after.send_root  # NodeInterface agrees with ArbSys
    assert verify_outbox_proof(root, proof, ev.position, item)
    exec_data = calldata(
        "executeTransaction(bytes32[],uint256,address,address,uint256,uint256,uint256,uint256,bytes)",
        list(proof),
        ev.position,
        ev.caller,
        ev.destination,
        ev.arb_block_num,
        ev.eth_block_num,
        ev.timestamp,
        ev.callvalue,
        ev.data,
    )
    with pytest.raises(RpcResponseError):
        await l1.call(outbox, exec_data, sender=executor.address)

    await devnet.fast_forward(arb.confirm_period_seconds + 1)
    await arb.sync()
    (node,) = abi_decode(
        ["(uint64,uint64,uint64,bool,uint8,bytes32)"],
        await l1.call(rollup, calldata("getAssertion(bytes32)", newest.hash)),
    )
    assert node[4] == 2  # Confirmed, by confirmAssertion after confirmPeriodBlocks
    confirmed = await l1.get_logs(
        address=rollup,
        topics=[ASSERTION_CONFIRMED_TOPIC, "0x" + newest.hash.hex()],
        from_block=0,
        to_block="latest",
    )
    assert len(confirmed) == 1
    (known,) = abi_decode(["bytes32"], await l1.call(outbox, calldata("roots(bytes32)", root)))
    assert bytes(known) == newest.after.block_hash
    before = await l1.get_balance(dest)
    h = await send_transaction(l1, executor, to=outbox, data=exec_data)
    await wait_for_receipt(l1, h)
    assert await l1.get_balance(dest) - before == amount
    (spent,) = abi_decode(
        ["bool"], await l1.call(outbox, calldata("isSpent(uint256)", ev.position))
    )
    assert spent


# runtime code: revert unless storage slot 0 is non-zero (PUSH1 0 SLOAD PUSH1 11 JUMPI
# PUSH1 0 PUSH1 0 REVERT JUMPDEST STOP)
_GATED = bytes.fromhex("600054600b5760006000fd5b00")


async def _retryable(
    l1: ChainClient,
    l2: ChainClient,
    user: SafeSigner,
    inbox: str,
    to: str,
    call_value: int,
    data: bytes,
    gas_limit: int,
) -> tuple[str, int]:
    l1_base = int((await l1.get_block("latest"))["baseFeePerGas"], 16)
    l2_base = int((await l2.get_block("latest"))["baseFeePerGas"], 16)
    max_fee = 2 * l2_base + gwei(1)
    submission = (1400 + 6 * len(data)) * l1_base * 3
    value = submission + call_value + gas_limit * max_fee
    h = await send_transaction(
        l1,
        user,
        to=inbox,
        value=value,
        data=calldata(
            "createRetryableTicket(address,uint256,uint256,address,address,uint256,uint256,bytes)",
            to,
            call_value,
            submission,
            user.address,
            user.address,
            gas_limit,
            max_fee,
            data,
        ),
    )
    rcpt = await wait_for_receipt(l1, h)
    md = decode_message_delivered(
        next(x for x in rcpt.logs if x.topics[0] == MESSAGE_DELIVERED_TOPIC)
    )
    ticket = retryable_creation_id(
        L2,
        md.sender,
        md.message_index,
        md.base_fee_l1,
        to,
        call_value,
        value,
        submission,
        user.address,
        user.address,
        gas_limit,
        max_fee,
        data,
    )
    return to_hash32(ticket), value


async def test_retryable_auto_redeem(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    l1, l2 = clients
    user = await _funded(l1, l2, "retryable")
    inbox = devnet.chain(L2).parent_contract("inbox", L1)
    dest = _fresh("retryable dest")
    before = await l2.get_balance(dest)
    ticket, _ = await _retryable(l1, l2, user, inbox, dest, ether("0.1"), b"", 100_000)
    await arb.sync()
    rcpt = await l2.request("eth_getTransactionReceipt", [ticket])
    assert rcpt["status"] == "0x1" and rcpt["type"] == "0x69"
    topics = [lg["topics"][0] for lg in rcpt["logs"]]
    assert TICKET_CREATED_TOPIC in topics and REDEEM_SCHEDULED_TOPIC in topics
    from interop.rpc.models import Receipt

    redeem = decode_redeem_scheduled(
        next(x for x in Receipt.from_rpc(rcpt).logs if x.topics[0] == REDEEM_SCHEDULED_TOPIC)
    )
    assert redeem.ticket_id == ticket and redeem.sequence_num == 0
    retry = await l2.request("eth_getTransactionReceipt", [redeem.retry_tx_hash])
    assert retry["status"] == "0x1" and retry["type"] == "0x68"
    assert await l2.get_balance(dest) - before == ether("0.1")


async def test_retryable_failed_auto_redeem_then_manual_redeem(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    l1, l2 = clients
    user = await _funded(l1, l2, "manual redeem")
    inbox = devnet.chain(L2).parent_contract("inbox", L1)
    target = _fresh("gated target")
    await l2.request("anvil_setCode", [target, "0x" + _GATED.hex()])
    value = ether("0.05")
    ticket, _ = await _retryable(l1, l2, user, inbox, target, value, b"", 100_000)
    await arb.sync()
    rcpt = await l2.get_receipt(ticket)
    assert rcpt is not None and rcpt.succeeded
    redeem = decode_redeem_scheduled(
        next(x for x in rcpt.logs if x.topics[0] == REDEEM_SCHEDULED_TOPIC)
    )
    retry = await l2.get_receipt(redeem.retry_tx_hash)
    assert retry is not None and not retry.succeeded
    assert await l2.get_balance(target) == 0
    (timeout,) = abi_decode(
        ["uint256"],
        await l2.call(ARB_RETRYABLE_TX, calldata("getTimeout(bytes32)", hex_to_bytes(ticket))),
    )
    assert timeout > int((await l2.get_block("latest"))["timestamp"], 16)

    await l2.request("anvil_setStorageAt", [target, "0x0", "0x" + (1).to_bytes(32, "big").hex()])
    h = await send_transaction(
        l2,
        user,
        to=ARB_RETRYABLE_TX,
        data=calldata("redeem(bytes32)", hex_to_bytes(ticket)),
        gas=300_000,
    )
    r2 = await wait_for_receipt(l2, h)
    manual = decode_redeem_scheduled(
        next(x for x in r2.logs if x.topics[0] == REDEEM_SCHEDULED_TOPIC)
    )
    assert manual.sequence_num == 1 and manual.gas_donor == user.address
    # as on Nitro the retry ran in the redeem's own block: its receipt is there at once
    retry2 = await l2.get_receipt(manual.retry_tx_hash)
    assert retry2 is not None and retry2.succeeded
    assert retry2.block_number == r2.block_number
    block = await l2.request("eth_getBlockByNumber", [hex(r2.block_number), False])
    txs = [t.lower() for t in block["transactions"]]
    assert txs.index(h.lower()) < txs.index(manual.retry_tx_hash.lower())
    assert await l2.get_balance(target) == value
    with pytest.raises(RpcResponseError):  # ticket is gone after a successful redeem
        await l2.call(ARB_RETRYABLE_TX, calldata("getTimeout(bytes32)", hex_to_bytes(ticket)))


async def test_send_tree_matches_nitro_accumulator_over_many_sends(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """Several sends (odd tree sizes): NodeInterface proofs verify against the root ArbSys'
    accumulator reports, and the block's sendRoot/sendCount are that accumulator's state."""
    l1, l2 = clients
    user = await _funded(l1, l2, "many sends")
    events = []
    for i in range(5):
        h = await send_transaction(
            l2,
            user,
            to=ARB_SYS,
            data=calldata("sendTxToL1(address,bytes)", _fresh(f"send {i}"), bytes([i]) * 3),
        )
        r = await wait_for_receipt(l2, h)
        events.append(
            decode_l2_to_l1_tx(next(x for x in r.logs if x.topics[0] == L2_TO_L1_TX_TOPIC))
        )
    block = await l2.get_block(events[-1].arb_block_num)
    size = int(block["sendCount"], 16)
    assert size == events[-1].position + 1
    state = abi_decode(
        ["uint256", "bytes32", "bytes32[]"],
        await l2.call(ARB_SYS, calldata("sendMerkleTreeState()"), block=events[-1].arb_block_num),
    )
    assert state[0] == size and "0x" + bytes(state[1]).hex() == block["sendRoot"]
    for ev in events:
        send, root, proof = abi_decode(
            ["bytes32", "bytes32", "bytes32[]"],
            await l2.call(
                NODE_INTERFACE, calldata("constructOutboxProof(uint64,uint64)", size, ev.position)
            ),
        )
        assert to_hash32(send) == ev.hash
        assert "0x" + bytes(root).hex() == block["sendRoot"]
        assert verify_outbox_proof(root, proof, ev.position, hex_to_bytes(ev.hash))


async def test_shim_answers_batches(
    devnet: Devnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    import aiohttp

    url = devnet.chain(L2).rpc_urls[0]
    body = [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_getBlockByNumber", "params": ["latest", False]},
        {"jsonrpc": "2.0", "id": 3, "method": "no_such_method", "params": []},
    ]
    async with aiohttp.ClientSession() as s, s.post(url, json=body) as resp:
        out = await resp.json()
    by_id = {x["id"]: x for x in out}
    assert int(by_id[1]["result"], 16) == L2
    assert "sendCount" in by_id[2]["result"]
    assert "error" in by_id[3]


async def test_time_to_confirmation_reads_bold_and_is_never_zero_while_unconfirmed(
    devnet: Devnet, arb: ArbitrumDevnet, clients: tuple[ChainClient, ChainClient]
) -> None:
    """Against the real BoLD rollup: before the deadline the estimate is the blocks left; once
    the deadline has passed but no `confirmAssertion` has run (the relayer is held), the send
    is still UNCONFIRMED and the estimate is one L1 block, never 0 (it was 0: the status said
    wait, the estimate said now, and a waiting flow span); after confirmation it is 0."""
    from interop.adapters.arbitrum import withdraw as W
    from interop.adapters.arbitrum.common import ArbContracts

    l1, l2 = clients
    user = await _funded(l1, l2, "time to confirmation")
    contracts = ArbContracts.of(devnet.chain(L2), L1)
    assert arb.relayer is not None
    async with arb.relayer.lock:  # the validator is held: nothing is batched or confirmed
        h = await send_transaction(
            l2,
            user,
            to=ARB_SYS,
            value=ether("0.01"),
            data=calldata("withdrawEth(address)", _fresh("ttc dest")),
        )
        rcpt = await wait_for_receipt(l2, h)
        send = decode_l2_to_l1_tx(next(x for x in rcpt.logs if x.topics[0] == L2_TO_L1_TX_TOPIC))
        secs = await W.seconds_to_confirmation(l1, contracts, send, l2=l2)
        assert secs == arb.confirm_period_blocks  # no assertion yet: a full period (1 s blocks)
        await arb.relayer.step_unlocked_without_confirming()
        secs = await W.seconds_to_confirmation(l1, contracts, send, l2=l2)
        assert secs is not None and 0 < secs <= arb.confirm_period_blocks
        # a patient transport of its own: mining a confirm period of blocks on an L1 that holds
        # a whole suite's state took over the default 10 s per attempt once on a loaded CI box
        # (anvil writes each block's state); this test is about the estimate, not mining speed
        miner = HttpTransport(devnet.nodes[L1].url, timeout=120, deadline=None)
        try:
            await miner.request("anvil_mine", [hex(arb.confirm_period_blocks + 1), "0x1"])
        finally:
            await miner.aclose()
        st = await W.withdrawal_status(l1, l2, contracts, send)
        assert st.status is W.WithdrawalStatus.UNCONFIRMED
        assert await W.seconds_to_confirmation(l1, contracts, send, l2=l2) == 1
    await arb.sync()
    st = await W.withdrawal_status(l1, l2, contracts, send)
    assert st.status is W.WithdrawalStatus.CONFIRMED
    assert await W.seconds_to_confirmation(l1, contracts, send, l2=l2) == 0
    # the pre-BoLD path (no rollup to read: the Outbox's newest SendRootUpdated) agrees
    bold = await W.latest_confirmed(l1, l2, contracts)
    outbox_only = await W.latest_confirmed(l1, l2, dataclasses.replace(contracts, rollup=None))
    assert bold is not None and bold == outbox_only
    assert bold.send_count > send.position
