"""Scroll, pure: the cross-domain message encoding and hash, the withdraw trie and its proofs,
predeploy addresses, the L1 data fee formulas and the ABI fragments (no I/O).

Shared by the Scroll adapter (`interop.adapters.scroll`) and the devnet's Scroll component
(`interop.devnet.scroll`), so the devnet never imports the adapter it tests. Every formula here
restates one in `@scroll-tech/contracts@4.0.0` (the file is named at each).
"""

from interop.spec.scroll.messages import (
    decode_xdomain_calldata,
    encode_xdomain_calldata,
    message_hash,
)
from interop.spec.scroll.predeploys import (
    L1_GAS_PRICE_ORACLE,
    L2_MESSAGE_QUEUE,
    L2_TX_FEE_VAULT,
    L2_WHITELIST,
)
from interop.spec.scroll.withdraw_trie import WithdrawTrie, proof_bytes, verify_proof, zero_hashes

__all__ = [
    "L1_GAS_PRICE_ORACLE",
    "L2_MESSAGE_QUEUE",
    "L2_TX_FEE_VAULT",
    "L2_WHITELIST",
    "WithdrawTrie",
    "decode_xdomain_calldata",
    "encode_xdomain_calldata",
    "message_hash",
    "proof_bytes",
    "verify_proof",
    "zero_hashes",
]
