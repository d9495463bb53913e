"""Withdrawals L2 -> L1: initiate, status, time-to-prove / time-to-finalize, prove, finalize.

Two portal generations, chosen from chain data (`OpContracts.generation`):
- "portal" (legacy): outputs come from `L2OutputOracle`; a proof is final after
  `finalizationPeriodSeconds` from the proof's timestamp.
- "portal2" (fault proofs): outputs are `DisputeGameFactory` games of the portal's respected
  game type; finalizing needs the game resolved DEFENDER_WINS, the proof matured
  (`proofMaturityDelaySeconds`) and the game final (`disputeGameFinalityDelaySeconds`). A proof
  made against a game later blacklisted, or of a game type no longer respected, must be redone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi.exceptions import DecodingError

from interop.abi import Fn
from interop.adapters.base import Status
from interop.adapters.opstack.common import (
    OpContracts,
    call_one,
    check_pair,
    send_fn,
)
from interop.adapters.opstack.reads import DirectReads, Reads
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    BridgeError,
    ExecutionRevertedError,
    MessageNotFoundError,
    NotReadyError,
    RpcResponseError,
    TransactionFailedError,
)
from interop.rpc.models import Receipt
from interop.signer import Signer
from interop.spec.opstack import abis as A
from interop.spec.opstack.formulas import (
    L2_TO_L1_MESSAGE_PASSER,
    MESSAGE_PASSED_TOPIC,
    WithdrawalMessage,
    decode_message_passed,
    output_root,
    withdrawal_storage_slot,
)
from interop.types import (
    ZERO_ADDRESS,
    Address,
    Hash32,
    hex_to_bytes,
    to_address,
    to_hash32,
    to_wei_int,
)

__all__ = [
    "OutputProposal",
    "WithdrawalStatus",
    "build_initiate_withdrawal",
    "build_prove_withdrawal",
    "finalize_withdrawal",
    "game_cadence",
    "game_l2_number",
    "get_output_for_block",
    "get_withdrawal_status",
    "get_withdrawals",
    "initiate_withdrawal",
    "prove_withdrawal",
    "withdrawal_status",
]

# Native states (viem's names) and their place in the uniform model.
NATIVE_TO_STATUS: dict[str, Status] = {
    "waiting-to-prove": Status.WAITING_TO_PROVE,
    "ready-to-prove": Status.READY_TO_PROVE,
    "waiting-to-finalize": Status.WAITING_TO_FINALIZE,
    "ready-to-finalize": Status.READY_TO_FINALIZE,
    "finalized": Status.FINALIZED,
}

WITHDRAWAL_FINALIZED_TOPIC = A.event_topic("WithdrawalFinalized(bytes32,bool)")
GAME_STATUS_CHALLENGER_WINS = 1
GAME_STATUS_DEFENDER_WINS = 2
DEFAULT_WITHDRAW_GAS = 100_000


# ---------------------------------------------------------------- initiate


async def build_initiate_withdrawal(
    l1: ChainClient,
    l2: ChainClient,
    *,
    value: int,
    to: str,
    data: bytes = b"",
    path: str = "passer",
    gas_limit: int | None = None,
) -> tuple[Address, bytes, int]:
    """(to, calldata, value) of the L2 transaction that starts a withdrawal.

    path "passer": `L2ToL1MessagePasser.initiateWithdrawal(to, gasLimit, data)`, the L1 call is
    made by the portal itself; "bridge": `L2StandardBridge.withdrawTo` (relayed on L1 by the
    messenger and bridge, gas limit is the bridge's minGasLimit).
    """
    value = to_wei_int(value)
    check_pair(l1, l2)
    rcp = to_address(to)
    if path == "bridge":
        gas = gas_limit or 200_000
        return (
            A.PREDEPLOYS["L2StandardBridge"],
            A.WITHDRAW_TO.encode(A.LEGACY_ERC20_ETH, rcp, value, gas, data),
            value,
        )
    if gas_limit is None:
        try:
            est = await l1.estimate_gas({"to": rcp, "data": "0x" + data.hex()})
            gas_limit = max(est * 6 // 5, 21_000)
        except (ExecutionRevertedError, RpcResponseError):
            gas_limit = DEFAULT_WITHDRAW_GAS
    return L2_TO_L1_MESSAGE_PASSER, A.INITIATE_WITHDRAWAL.encode(rcp, gas_limit, data), value


async def initiate_withdrawal(
    l1: ChainClient,
    l2: ChainClient,
    signer: Signer | None,
    *,
    value: int,
    to: str,
    data: bytes = b"",
    path: str = "passer",
    gas_limit: int | None = None,
) -> Receipt:
    target, calldata, val = await build_initiate_withdrawal(
        l1, l2, value=value, to=to, data=data, path=path, gas_limit=gas_limit
    )
    return await send_fn(l2, signer, target, calldata, value=val)


def get_withdrawals(receipt: Receipt) -> list[WithdrawalMessage]:
    """Every `MessagePassed` in an L2 receipt; `MessageNotFoundError` if there is none."""
    out = [
        decode_message_passed(log)
        for log in receipt.logs
        if log.address == L2_TO_L1_MESSAGE_PASSER
        and log.topics
        and log.topics[0] == MESSAGE_PASSED_TOPIC
    ]
    if not out:
        raise MessageNotFoundError(
            f"transaction {receipt.transaction_hash} contains no withdrawal",
            hint="pass the hash of the L2 transaction that initiated the withdrawal",
        )
    return out


# ---------------------------------------------------------------- outputs / games


@dataclass(frozen=True)
class OutputProposal:
    """An L2 output usable to prove: oracle output (legacy) or dispute game (portal2)."""

    index: int
    """Output index (legacy) or game index in the factory (portal2)."""
    root: Hash32
    l2_block_number: int
    timestamp: int
    game: Address | None = None
    game_type: int | None = None


_GAME_NUMBER_FNS: tuple[A.Fn, A.Fn] = (A.GAME_L2_SEQUENCE_NUMBER, A.GAME_L2_BLOCK_NUMBER)
_GAME_NUMBER_FN: dict[tuple[int, Address, int], A.Fn] = {}
"""Which of the two names each game implementation answers, by (L1 chain id, factory, game
type): the factory has one implementation per game type at a time."""


async def game_l2_number(l1: ChainClient, game: str, *, factory: str, game_type: int) -> int:
    """The L2 block (or, for super-root games, the timestamp) a dispute game's output commits
    to, asked of the game itself.

    Newer contract releases answer `l2SequenceNumber()`, older ones (and the devnet's 0.17.3
    games) only `l2BlockNumber()`; mainnet runs both generations across chains and upgrades. So
    `l2SequenceNumber()` is tried first and `l2BlockNumber()` on the node's "no such function"
    answer (a revert, an error answer, empty return data); what worked is cached per game
    implementation, and a cached choice that stops working (an upgrade) is re-learned. A
    transport fault is no answer and propagates.
    """
    key = (l1.chain.id, to_address(factory), int(game_type))
    first = _GAME_NUMBER_FN.get(key, _GAME_NUMBER_FNS[0])
    order = (first, *(f for f in _GAME_NUMBER_FNS if f is not first))
    last: Exception | None = None
    for fn in order:
        try:
            n = int(await call_one(l1, game, fn))
        except (ExecutionRevertedError, RpcResponseError, DecodingError) as exc:
            last = exc
            continue
        _GAME_NUMBER_FN[key] = fn
        return n
    assert last is not None
    raise BridgeError(
        f"dispute game {game} answers neither l2SequenceNumber() nor l2BlockNumber()",
        details=str(last),
        hint="is the chain data's dispute game factory right for this chain?",
    )


async def _one(r: Reads, to: str, fn: Fn, *args: Any) -> Any:
    return (await r.fn(to, fn, *args))[0]


async def _latest_games(r: Reads, c: OpContracts, limit: int = 50) -> list[OutputProposal]:
    return await r.once(("latest-games", c.portal, limit), lambda: _read_latest_games(r, c, limit))


async def _read_latest_games(r: Reads, c: OpContracts, limit: int) -> list[OutputProposal]:
    assert c.dispute_game_factory is not None
    count = int(await _one(r, c.dispute_game_factory, A.GAME_COUNT))
    if count == 0:
        return []
    gtype = int(await _one(r, c.portal, A.RESPECTED_GAME_TYPE))
    (games,) = await r.fn(
        c.dispute_game_factory, A.FIND_LATEST_GAMES, gtype, count - 1, min(limit, count)
    )
    out = []
    for idx, metadata, ts, root, extra in games:
        proxy = to_address(bytes(metadata)[-20:])
        out.append(
            OutputProposal(
                index=int(idx),
                root=to_hash32(bytes(root)),
                l2_block_number=int.from_bytes(bytes(extra)[:32], "big"),
                timestamp=int(ts),
                game=proxy,
                game_type=gtype,
            )
        )
    return out


async def game_cadence(l1: ChainClient, c: OpContracts) -> int | None:
    """Seconds between the latest two games of the respected type: how often the proposer
    posts an output a withdrawal can be proven against (None before there are two). Fault
    proof chains configure no submission interval, so the recent cadence is what there is."""
    games = await _latest_games(DirectReads(l1), c, limit=2)
    if len(games) < 2:
        return None
    return abs(games[0].timestamp - games[1].timestamp)


async def get_output_for_block(
    l1: ChainClient, c: OpContracts, l2_block: int
) -> OutputProposal | None:
    """The output that covers `l2_block`, or None if none was proposed yet."""
    return await _output_for_block(DirectReads(l1), c, l2_block)


async def _output_for_block(r: Reads, c: OpContracts, l2_block: int) -> OutputProposal | None:
    return await r.once(
        ("output-for-block", c.portal, l2_block), lambda: _read_output_for_block(r, c, l2_block)
    )


async def _read_output_for_block(r: Reads, c: OpContracts, l2_block: int) -> OutputProposal | None:
    if c.generation == "portal2":
        # The portal only accepts a proof made strictly after the game's creation time.
        now = await r.now()
        # Games created before the respected game type was last set are retired: the portal
        # lets one prove against them but never finalizes (`checkWithdrawal`).
        retired_before = int(await _one(r, c.portal, A.RESPECTED_GAME_TYPE_UPDATED_AT))
        for g in await _latest_games(r, c):
            if g.l2_block_number < l2_block or g.game is None or g.timestamp >= now:
                continue
            if g.timestamp < retired_before:
                break  # newest first: every older game is retired too
            if await _one(r, c.portal, A.DISPUTE_GAME_BLACKLIST, g.game):
                continue
            if int(await _one(r, g.game, A.GAME_STATUS)) == GAME_STATUS_CHALLENGER_WINS:
                continue
            return g
        return None
    assert c.l2_output_oracle is not None
    latest = int(await _one(r, c.l2_output_oracle, A.LATEST_BLOCK_NUMBER))
    if latest < l2_block:
        return None
    idx = int(await _one(r, c.l2_output_oracle, A.GET_L2_OUTPUT_INDEX_AFTER, l2_block))
    root, ts, num = await _one(r, c.l2_output_oracle, A.GET_L2_OUTPUT, idx)
    return OutputProposal(idx, to_hash32(bytes(root)), int(num), int(ts))


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class WithdrawalStatus:
    native: str
    status: Status
    seconds_to_next: int | None = None
    proof_submitter: Address | None = None
    details: dict[str, Any] = field(default_factory=dict)


async def _proof_submitters(r: Reads, c: OpContracts, whash: str) -> list[Address]:
    n = int(await _one(r, c.portal, A.NUM_PROOF_SUBMITTERS, hex_to_bytes(whash)))
    out = []
    for i in range(n):
        out.append(to_address(await _one(r, c.portal, A.PROOF_SUBMITTERS, hex_to_bytes(whash), i)))
    return out


async def _time_to_next_output(r: Reads, c: OpContracts) -> int | None:
    return await r.once(("next-output", c.portal), lambda: _read_time_to_next_output(r, c))


async def _read_time_to_next_output(r: Reads, c: OpContracts) -> int | None:
    """Seconds until the next output/game is expected, from the interval between the last two."""
    now = await r.now()
    if c.generation == "portal2":
        games = await _latest_games(r, c, limit=2)
        if len(games) < 2:
            return None
        interval = abs(games[0].timestamp - games[1].timestamp)
        return max(0, games[0].timestamp + interval - now)
    assert c.l2_output_oracle is not None
    interval = int(await _one(r, c.l2_output_oracle, A.SUBMISSION_INTERVAL)) * int(
        await _one(r, c.l2_output_oracle, A.L2_BLOCK_TIME)
    )
    try:
        # latestOutputIndex() underflows (reverts) while no output has been proposed yet
        idx = int(await _one(r, c.l2_output_oracle, A.LATEST_OUTPUT_INDEX))
    except ExecutionRevertedError:
        return None
    _, ts, _ = await _one(r, c.l2_output_oracle, A.GET_L2_OUTPUT, idx)
    return max(0, int(ts) + interval - now)


async def _reprove_reason(r: Reads, c: OpContracts, game: Address) -> str | None:
    return await r.once(("reprove", c.portal, game), lambda: _read_reprove_reason(r, c, game))


async def _read_reprove_reason(r: Reads, c: OpContracts, game: Address) -> str | None:
    """Why a proof against `game` can never finalize (so it must be redone), or None.

    The same conditions `OptimismPortal2.checkWithdrawal` (3.x) enforces that no amount of
    waiting fixes: the guardian blacklisted the game, the game resolved CHALLENGER_WINS, the
    guardian switched the respected game type, or re-set it after the game was created (which
    retires every earlier game).
    """
    if await _one(r, c.portal, A.DISPUTE_GAME_BLACKLIST, game):
        return "blacklisted"
    if int(await _one(r, game, A.GAME_STATUS)) == GAME_STATUS_CHALLENGER_WINS:
        return "challenger-wins"
    if int(await _one(r, game, A.GAME_TYPE)) != int(await _one(r, c.portal, A.RESPECTED_GAME_TYPE)):
        return "game-type-changed"
    if int(await _one(r, game, A.GAME_CREATED_AT)) < int(
        await _one(r, c.portal, A.RESPECTED_GAME_TYPE_UPDATED_AT)
    ):
        return "game-retired"
    return None


async def get_withdrawal_status(
    l1: ChainClient,
    l2: ChainClient,
    withdrawal: WithdrawalMessage,
    l2_block: int,
    *,
    proof_submitter: str | None = None,
    reads: Reads | None = None,
) -> WithdrawalStatus:
    """Where a withdrawal stands, with the seconds until it moves on when that is knowable.

    `proof_submitter` (portal2) picks whose proof to look at; default: the latest submitter.
    `reads`: how L1 is read (`opstack.reads`); default: each read its own request at "latest".
    A sweep passes one `BatchReads` to every withdrawal of a chain, so the answer is the same
    and the reads shared by all flows are made once.
    """
    c = check_pair(l1, l2)
    return await withdrawal_status(
        DirectReads(l1) if reads is None else reads, c, withdrawal, l2_block, proof_submitter
    )


async def withdrawal_status(
    r: Reads,
    c: OpContracts,
    withdrawal: WithdrawalMessage,
    l2_block: int,
    proof_submitter: str | None = None,
) -> WithdrawalStatus:
    """`get_withdrawal_status` with the contracts already resolved and the reader given."""
    whash = hex_to_bytes(withdrawal.withdrawal_hash)
    if await _one(r, c.portal, A.FINALIZED_WITHDRAWALS, whash):
        return WithdrawalStatus("finalized", Status.FINALIZED)
    now = await r.now()
    if c.generation == "portal":
        assert c.l2_output_oracle is not None
        root, ts, idx = await r.fn(c.portal, A.PROVEN_WITHDRAWALS_LEGACY, whash)
        if int(ts) == 0:
            out = await _output_for_block(r, c, l2_block)
            if out is None:
                return WithdrawalStatus(
                    "waiting-to-prove",
                    Status.WAITING_TO_PROVE,
                    await _time_to_next_output(r, c),
                )
            return WithdrawalStatus("ready-to-prove", Status.READY_TO_PROVE, 0)
        period = int(await _one(r, c.l2_output_oracle, A.FINALIZATION_PERIOD))
        # The oracle's output must still be the one proven against (else: prove again).
        cur_root, _, _ = await _one(r, c.l2_output_oracle, A.GET_L2_OUTPUT, int(idx))
        if bytes(cur_root) != bytes(root):
            return WithdrawalStatus("ready-to-prove", Status.READY_TO_PROVE, 0)
        left = int(ts) + period - now
        if left >= 0:
            return WithdrawalStatus("waiting-to-finalize", Status.WAITING_TO_FINALIZE, left + 1)
        return WithdrawalStatus("ready-to-finalize", Status.READY_TO_FINALIZE, 0)

    submitters = (
        [to_address(proof_submitter)]
        if proof_submitter
        else await _proof_submitters(r, c, withdrawal.withdrawal_hash)
    )
    proven_game, proven_ts, submitter = ZERO_ADDRESS, 0, None
    for s in reversed(submitters):
        g, ts = await r.fn(c.portal, A.PROVEN_WITHDRAWALS_2, whash, s)
        if int(ts) != 0:
            proven_game, proven_ts, submitter = to_address(g), int(ts), s
            break
    if proven_ts == 0:
        out = await _output_for_block(r, c, l2_block)
        if out is None:
            return WithdrawalStatus(
                "waiting-to-prove", Status.WAITING_TO_PROVE, await _time_to_next_output(r, c)
            )
        return WithdrawalStatus("ready-to-prove", Status.READY_TO_PROVE, 0)
    assert submitter is not None
    details: dict[str, Any] = {"game": proven_game, "proven_at": proven_ts}
    reason = await _reprove_reason(r, c, proven_game)
    if reason is not None:
        # The proof can never finalize; a new one is needed, against a game that qualifies now.
        details["reprove_reason"] = reason
        if await _output_for_block(r, c, l2_block) is None:
            return WithdrawalStatus(
                "waiting-to-prove",
                Status.WAITING_TO_PROVE,
                await _time_to_next_output(r, c),
                submitter,
                details,
            )
        return WithdrawalStatus("ready-to-prove", Status.READY_TO_PROVE, 0, submitter, details)
    created = int(await _one(r, proven_game, A.GAME_CREATED_AT))
    try:
        await r.call(c.portal, A.CHECK_WITHDRAWAL.encode(whash, submitter))
        return WithdrawalStatus(
            "ready-to-finalize", Status.READY_TO_FINALIZE, 0, submitter, details
        )
    except (ExecutionRevertedError, RpcResponseError):
        pass
    maturity = int(await _one(r, c.portal, A.PROOF_MATURITY_DELAY))
    finality = int(await _one(r, c.portal, A.DISPUTE_GAME_FINALITY_DELAY))
    resolved_at = int(await _one(r, proven_game, A.GAME_RESOLVED_AT))
    if resolved_at == 0:
        clock = int(await _one(r, proven_game, A.GAME_MAX_CLOCK_DURATION))
        resolved_at = max(created + clock, now)  # earliest an unchallenged game can resolve
    ready_at = max(proven_ts + maturity, resolved_at + finality) + 1
    return WithdrawalStatus(
        "waiting-to-finalize",
        Status.WAITING_TO_FINALIZE,
        max(0, ready_at - now),
        submitter,
        details,
    )


# ---------------------------------------------------------------- prove / finalize


@dataclass(frozen=True)
class ProveArgs:
    withdrawal: WithdrawalMessage
    output: OutputProposal
    output_root_proof: tuple[bytes, bytes, bytes, bytes]
    withdrawal_proof: list[bytes]

    def calldata(self) -> bytes:
        return A.PROVE_WITHDRAWAL.encode(
            self.withdrawal.as_tuple(),
            self.output.index,
            self.output_root_proof,
            self.withdrawal_proof,
        )


async def build_prove_withdrawal(
    l1: ChainClient, l2: ChainClient, withdrawal: WithdrawalMessage, l2_block: int
) -> ProveArgs:
    """Find the output covering the withdrawal's block and build the storage proof against it.

    Checks our recomputed output root against the proposed one before anything is sent.
    """
    c = check_pair(l1, l2)
    out = await get_output_for_block(l1, c, l2_block)
    if out is None:
        raise NotReadyError(
            f"no output proposed yet for L2 block {l2_block} of {l2.chain.name}",
            hint="wait for the next output / dispute game (see time_to_prove)",
        )
    if out.game is not None and out.game_type is not None:
        # The block the proof is built at is the one the game itself commits to (its extra
        # data only found the candidate); a game that says otherwise is not proven against.
        assert c.dispute_game_factory is not None
        n = await game_l2_number(
            l1, out.game, factory=c.dispute_game_factory, game_type=out.game_type
        )
        if n != out.l2_block_number:
            raise BridgeError(
                f"dispute game {out.game} commits to L2 block {n}, its extra data says "
                f"{out.l2_block_number}",
                hint="the factory's game is not a standard fault dispute game",
            )
    block = await l2.get_block(out.l2_block_number)
    slot = withdrawal_storage_slot(withdrawal.withdrawal_hash)
    proof = await l2.get_proof(L2_TO_L1_MESSAGE_PASSER, [slot], out.l2_block_number)
    state_root = hex_to_bytes(block["stateRoot"])
    storage_root = hex_to_bytes(proof["storageHash"])
    block_hash = hex_to_bytes(block["hash"])
    if output_root(state_root, storage_root, block_hash) != out.root:
        raise BridgeError(
            f"output root for L2 block {out.l2_block_number} does not match the proposal",
            details=f"proposal {out.root} index {out.index}",
            hint="the L2 RPC may serve another chain or a reorged block",
        )
    storage_proof = [hex_to_bytes(p) for p in proof["storageProof"][0]["proof"]]
    return ProveArgs(
        withdrawal, out, (b"\x00" * 32, state_root, storage_root, block_hash), storage_proof
    )


async def prove_withdrawal(
    l1: ChainClient,
    l2: ChainClient,
    signer: Signer | None,
    withdrawal: WithdrawalMessage,
    l2_block: int,
) -> Receipt:
    """Prove on L1. `AlreadyDoneError` if already proven (and still valid) or finalized."""
    c = check_pair(l1, l2)
    st = await get_withdrawal_status(
        l1,
        l2,
        withdrawal,
        l2_block,
        proof_submitter=signer.address if (signer and c.generation == "portal2") else None,
    )
    if st.status in (Status.WAITING_TO_FINALIZE, Status.READY_TO_FINALIZE, Status.FINALIZED):
        raise AlreadyDoneError(
            f"withdrawal {withdrawal.withdrawal_hash} is already proven ({st.native})"
        )
    args = await build_prove_withdrawal(l1, l2, withdrawal, l2_block)
    return await send_fn(l1, signer, c.portal, args.calldata())


async def finalize_withdrawal(
    l1: ChainClient,
    l2: ChainClient,
    signer: Signer | None,
    withdrawal: WithdrawalMessage,
    l2_block: int,
    *,
    proof_submitter: str | None = None,
) -> Receipt:
    """Finalize on L1. `NotReadyError` before ready, `AlreadyDoneError` if finalized."""
    c = check_pair(l1, l2)
    st = await get_withdrawal_status(l1, l2, withdrawal, l2_block, proof_submitter=proof_submitter)
    if st.status is Status.FINALIZED:
        raise AlreadyDoneError(f"withdrawal {withdrawal.withdrawal_hash} is already finalized")
    if st.status is not Status.READY_TO_FINALIZE:
        raise NotReadyError(
            f"withdrawal {withdrawal.withdrawal_hash} cannot be finalized yet ({st.native})",
            details=f"about {st.seconds_to_next}s to the next step"
            if st.seconds_to_next is not None
            else None,
        )
    if (
        c.generation == "portal2"
        and st.proof_submitter is not None
        and signer is not None
        and to_address(signer.address) != st.proof_submitter
    ):
        data = A.FINALIZE_WITHDRAWAL_EXTERNAL.encode(withdrawal.as_tuple(), st.proof_submitter)
    else:
        data = A.FINALIZE_WITHDRAWAL.encode(withdrawal.as_tuple())
    # The portal requires enough gas to forward withdrawal.gas_limit to the target.
    gas = None
    if signer is not None:
        est = await l1.estimate_gas(
            {"from": signer.address, "to": c.portal, "data": "0x" + data.hex()}
        )
        gas = max(est * 6 // 5, withdrawal.gas_limit + 200_000)
    rcpt = await send_fn(l1, signer, c.portal, data, gas=gas)
    for log in rcpt.logs:
        if (
            log.address == c.portal
            and log.topics[:2] == (WITHDRAWAL_FINALIZED_TOPIC, withdrawal.withdrawal_hash)
            and not int.from_bytes(log.data[:32], "big")
        ):
            # The portal marks it finalized even when the call to the target failed: the
            # value is not recoverable, so say so loudly instead of reporting success.
            raise TransactionFailedError(
                f"withdrawal {withdrawal.withdrawal_hash} finalized but its L1 call failed",
                tx_hash=rcpt.transaction_hash,
                hint="the target reverted or ran out of gas (or the portal lacked funds)",
            )
    return rcpt
