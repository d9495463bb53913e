"""interop: one typed, async interface over Ethereum L1 and its L2 rollups and their bridges.

    from interop import Interop, ether
    async with Interop(["ethereum", "base"], rpc={...}, account=key) as io:
        table = await io.balances([alice, bob])
        await io.transfer("base", to=bob, value=ether("0.01"))

Amounts are int wei everywhere (helpers: `ether`, `gwei`, `parse_amount`); errors derive from
`InteropError` (see `interop.errors` for the tree).
"""

from __future__ import annotations

from interop.actions.balances import (
    BalanceTable,
    ChainBalances,
    get_balances,
    get_balances_multichain,
)
from interop.actions.transfer import TransferResult, send_native
from interop.adapters.base import FlowRef, FlowStatus, Status
from interop.addresses import parse_address_with_chain
from interop.chains import (
    Chain,
    ChainRegistry,
    ContractName,
    Stack,
    all_chains,
    get_chain,
    load_chains,
)
from interop.client import ChainClient
from interop.errors import (
    AlreadyDoneError,
    BridgeError,
    ChainIdMismatchError,
    ConfigError,
    InputError,
    InsufficientFundsError,
    InteropError,
    InvalidAddressError,
    InvalidAmountError,
    MissingSignerError,
    NotReadyError,
    RpcError,
    UnknownChainError,
    UnsafeRecipientError,
    UnsupportedOperationError,
)
from interop.facade import Interop, ResumeResult
from interop.flows import Flow, FlowEvent, FlowState, Message, Transfer
from interop.journal import Journal
from interop.routes import RoutePlan
from interop.signer import SafeSigner, Signer, account_from_env, account_from_key
from interop.types import Address, to_address
from interop.units import ether, format_ether, format_units, gwei, parse_amount, parse_units

__version__ = "0.1.0"

__all__ = [
    "Address",
    "AlreadyDoneError",
    "BalanceTable",
    "BridgeError",
    "Chain",
    "ChainBalances",
    "ChainClient",
    "ChainIdMismatchError",
    "ChainRegistry",
    "ConfigError",
    "ContractName",
    "Flow",
    "FlowEvent",
    "FlowRef",
    "FlowState",
    "FlowStatus",
    "InputError",
    "InsufficientFundsError",
    "Interop",
    "InteropError",
    "InvalidAddressError",
    "InvalidAmountError",
    "Journal",
    "Message",
    "MissingSignerError",
    "NotReadyError",
    "ResumeResult",
    "RoutePlan",
    "RpcError",
    "SafeSigner",
    "Signer",
    "Stack",
    "Status",
    "Transfer",
    "TransferResult",
    "UnknownChainError",
    "UnsafeRecipientError",
    "UnsupportedOperationError",
    "__version__",
    "account_from_env",
    "account_from_key",
    "all_chains",
    "ether",
    "format_ether",
    "format_units",
    "get_balances",
    "get_balances_multichain",
    "get_chain",
    "gwei",
    "load_chains",
    "parse_address_with_chain",
    "parse_amount",
    "parse_units",
    "send_native",
    "to_address",
]
