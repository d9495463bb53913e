"""Fees on an OP Stack L2 (execution gas plus the L1 data fee from GasPriceOracle) and the L1 gas
of the later withdrawal steps (prove, finalize)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.exceptions import DecodingError

from interop.actions.fees import Fees, unsigned_tx_bytes
from interop.actions.tx import suggest_fees
from interop.adapters.base import Status
from interop.adapters.opstack.common import call_one, check_pair
from interop.adapters.opstack.withdraw import build_prove_withdrawal, get_withdrawal_status
from interop.client import ChainClient
from interop.errors import ExecutionRevertedError, NotReadyError, RpcResponseError
from interop.spec.opstack import abis as A
from interop.spec.opstack.abis import GPO_GET_L1_FEE, GPO_GET_L1_FEE_UPPER_BOUND
from interop.spec.opstack.formulas import WithdrawalMessage, encode_relay_message
from interop.spec.opstack.predeploys import GAS_PRICE_ORACLE
from interop.types import to_address

__all__ = [
    "L2FeeEstimate",
    "estimate_finalize_gas",
    "estimate_l2_fee",
    "estimate_prove_gas",
    "typical_finalize_gas",
    "typical_prove_gas",
    "withdrawal_shape",
]

FINALIZE_BRIDGE_ETH = A.Fn("finalizeBridgeETH(address,address,uint256,bytes)")


_NO_SUCH_FUNCTION = (ExecutionRevertedError, RpcResponseError, DecodingError)
"""What a node answering "this contract or function does not exist here" raises."""


@dataclass(frozen=True)
class L2FeeEstimate:
    gas: int
    max_fee_per_gas: int
    l1_fee: int
    l1_fee_source: str
    """"getL1Fee", "getL1FeeUpperBound" or "unavailable" (no GasPriceOracle on the chain)."""

    @property
    def total(self) -> int:
        return self.gas * self.max_fee_per_gas + self.l1_fee


async def estimate_l2_fee(
    l2: ChainClient, *, sender: str, to: str, value: int = 0, data: bytes = b""
) -> L2FeeEstimate:
    """Gas, fee cap and L1 data fee of an L2 transaction, before sending it."""
    gas = await l2.estimate_gas(
        {"from": sender, "to": to, "value": hex(value), "data": "0x" + data.hex()}
    )
    max_fee, tip = await suggest_fees(l2)
    nonce = await l2.get_nonce(sender)
    raw = unsigned_tx_bytes(
        chain_id=l2.chain.id,
        nonce=nonce,
        fees=Fees(max_fee, tip, base_fee=0),
        gas=gas,
        to=to,
        value=value,
        data=data,
    )
    gpo = GAS_PRICE_ORACLE
    # Only "the node answered: no such oracle / function" moves on to the next way (a revert, an
    # RPC error answer, or empty return data where no contract is); a timeout or an unreachable
    # node is no answer and propagates: an L1 fee of 0 on a guess would let a funds check pass
    # on an underestimate.
    try:
        return L2FeeEstimate(
            gas, max_fee, int(await call_one(l2, gpo, GPO_GET_L1_FEE, raw)), "getL1Fee"
        )
    except _NO_SUCH_FUNCTION:
        pass
    try:
        bound = int(await call_one(l2, gpo, GPO_GET_L1_FEE_UPPER_BOUND, len(raw) + 68))
        return L2FeeEstimate(gas, max_fee, bound, "getL1FeeUpperBound")
    except _NO_SUCH_FUNCTION:
        return L2FeeEstimate(gas, max_fee, 0, "unavailable")


# ---------------------------------------------------------------- L1 steps of a withdrawal

# Typical L1 gas of the later withdrawal steps, for when the step cannot be simulated yet (no
# game / output covers the withdrawal, not proven, or not ready). Measured on the devnet (real
# contracts-bedrock 0.17.3 bytecode on anvil; `tests/integration/test_opstack_reprove.py` prints
# them) and rounded up:
#   prove, empty data, 2-node storage proof: 203,863 (portal2) / 171,526 (legacy portal);
#   each extra storage-proof node (a full branch, ~530 bytes): ~35-38k (measured by growing the
#   L2ToL1MessagePasser trie: 4 nodes 273,711, 5 nodes 311,581);
#   finalize: eth_estimateGas minus what SafeCall must forward = ~91.5k (portal2) / ~115k (legacy).
PROVE_GAS_TYPICAL: dict[str, int] = {"portal2": 205_000, "portal": 175_000}
"""proveWithdrawalTransaction with an empty `data` and a 2-node storage proof (devnet)."""
PROVE_GAS_PER_PROOF_NODE = 38_000
"""Each further storage-proof node: calldata, keccak and the MerkleTrie library's RLP work."""
PROVE_EXTRA_PROOF_NODES = 4
"""A busy chain's L2ToL1MessagePasser trie is deeper than the devnet's: a 6-node proof (about
16^5 withdrawals) is budgeted, so the typical value is high on the devnet, close on mainnet."""
FINALIZE_GAS_OVERHEAD: dict[str, int] = {"portal2": 95_000, "portal": 118_000}
"""finalizeWithdrawalTransaction besides the call to the target, empty `data`."""
CALLDATA_GAS_PER_BYTE = 16
"""EIP-2028 nonzero-byte cost: an upper bound for the withdrawal's data carried in calldata."""
SAFE_CALL_RESERVE = 40_000
"""SafeCall.hasMinGas reserve: the portal needs gasLimit * 64/63 + 40k left before the call."""


def typical_prove_gas(generation: str, data_len: int = 0) -> int:
    """L1 gas of a first proof when it cannot be simulated (documented typical value)."""
    return (
        PROVE_GAS_TYPICAL[generation]
        + PROVE_EXTRA_PROOF_NODES * PROVE_GAS_PER_PROOF_NODE
        + CALLDATA_GAS_PER_BYTE * data_len
    )


def typical_finalize_gas(generation: str, gas_limit: int, data_len: int = 0) -> int:
    """Gas a finalize transaction must carry: the portal's own work plus the minimum gas it
    must be able to forward to the target (`SafeCall.hasMinGas`), so an upper bound on use."""
    return (
        FINALIZE_GAS_OVERHEAD[generation]
        + -(-gas_limit * 64 // 63)  # rounded up, as hasMinGas compares gas * 63
        + SAFE_CALL_RESERVE
        + 2 * CALLDATA_GAS_PER_BYTE * data_len  # in calldata, then copied for the call
    )


async def estimate_prove_gas(
    l1: ChainClient,
    l2: ChainClient,
    withdrawal: WithdrawalMessage | None = None,
    l2_block: int | None = None,
    *,
    sender: str | None = None,
) -> int:
    """L1 gas of `proveWithdrawalTransaction` for this withdrawal.

    Simulated (`eth_estimateGas` on the real proof) as soon as a game / output covers the
    withdrawal's L2 block; before that, or without a withdrawal yet, the typical value
    (`typical_prove_gas`, measured on the devnet plus an allowance for a deeper trie).
    """
    c = check_pair(l1, l2)
    data_len = len(withdrawal.data) if withdrawal is not None else 0
    if withdrawal is None or l2_block is None:
        return typical_prove_gas(c.generation, data_len)
    try:
        args = await build_prove_withdrawal(l1, l2, withdrawal, l2_block)
        tx: dict[str, Any] = {"to": c.portal, "data": "0x" + args.calldata().hex()}
        if sender is not None:
            tx["from"] = to_address(sender)
        return await l1.estimate_gas(tx)
    except (NotReadyError, ExecutionRevertedError, RpcResponseError):
        return typical_prove_gas(c.generation, data_len)


async def estimate_finalize_gas(
    l1: ChainClient,
    l2: ChainClient,
    withdrawal: WithdrawalMessage,
    l2_block: int | None = None,
    *,
    sender: str | None = None,
) -> int:
    """L1 gas of `finalizeWithdrawalTransaction` for this withdrawal.

    Simulated when the withdrawal is ready to finalize (needs `sender`: the portal finalizes
    the sender's own proof, or an external one); otherwise the gas the transaction must carry
    (`typical_finalize_gas`: measured portal overhead + what `SafeCall` must be able to forward
    to the target), an upper bound on what it will use.
    """
    c = check_pair(l1, l2)
    typical = typical_finalize_gas(c.generation, withdrawal.gas_limit, len(withdrawal.data))
    if sender is None or l2_block is None:
        return typical
    try:
        st = await get_withdrawal_status(l1, l2, withdrawal, l2_block)
        if st.status is not Status.READY_TO_FINALIZE:
            return typical
        me = to_address(sender)
        if c.generation == "portal2" and st.proof_submitter not in (None, me):
            data = A.FINALIZE_WITHDRAWAL_EXTERNAL.encode(withdrawal.as_tuple(), st.proof_submitter)
        else:
            data = A.FINALIZE_WITHDRAWAL.encode(withdrawal.as_tuple())
        return await l1.estimate_gas({"from": me, "to": c.portal, "data": "0x" + data.hex()})
    except (ExecutionRevertedError, RpcResponseError):
        return typical


async def withdrawal_shape(
    l1: ChainClient,
    l2: ChainClient,
    *,
    sender: str,
    kind: str,
    path: str,
    to: str,
    value: int,
    data: bytes,
    gas_limit: int,
) -> tuple[int, int]:
    """(gas limit, data length) of the L1 withdrawal a not yet sent L2 request will create.

    "passer": as given. Through the messengers ("bridge" path or a message) the withdrawal is the
    L1 messenger's `relayMessage`, with the gas limit the L2 messenger computes (`baseGas`).
    """
    if kind == "eth" and path == "passer":
        return gas_limit, len(data)
    if kind == "eth":  # L2StandardBridge -> L1StandardBridge.finalizeBridgeETH
        message = FINALIZE_BRIDGE_ETH.encode(to_address(sender), to_address(to), value, data)
        target, src = check_pair(l1, l2).l1_bridge, A.PREDEPLOYS["L2StandardBridge"]
    else:
        message, target, src = data, to_address(to), to_address(sender)
    base = int(
        await call_one(l2, A.PREDEPLOYS["L2CrossDomainMessenger"], A.BASE_GAS, message, gas_limit)
    )
    relay = encode_relay_message(1 << 240, src, target, value, gas_limit, message)
    return base, len(relay)
