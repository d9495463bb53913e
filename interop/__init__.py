"""interop: one typed, async interface over Ethereum L1 and its L2 rollups and their bridges.

    from interop import Interop, ether
    async with Interop(["ethereum", "base"], rpc={...}, account=key) as io:
        table = await io.balances([alice, bob])
        await io.transfer("base", to=bob, value=ether("0.01"))

Amounts are int wei everywhere (helpers: `ether`, `gwei`, `parse_amount`); errors derive from
`InteropError` (see `interop.errors` for the tree).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from interop.errors import (
    AlreadyDoneError,
    BridgeError,
    ChainIdMismatchError,
    ConfigError,
    FlowTimeoutError,
    InputError,
    InsufficientFundsError,
    InteropError,
    InvalidAddressError,
    InvalidAmountError,
    JournalError,
    ManualActionRequired,
    MissingSignerError,
    NotReadyError,
    RefusedError,
    RpcError,
    TransactionError,
    TransactionReplacedError,
    TransactionUnknownError,
    UnknownChainError,
    UnsafeRecipientError,
    UnsupportedOperationError,
)
from interop.types import (
    Address,
    to_address,
)
from interop.units import (
    ether,
    format_ether,
    format_units,
    gwei,
    parse_amount,
    parse_units,
)

if TYPE_CHECKING:  # the names below load on first use: `import interop` stays light
    from interop.actions.balances import (
        BalanceTable,
        ChainBalances,
        get_balances,
        get_balances_multichain,
    )
    from interop.actions.fate import (
        Fate,
        FateKind,
        tx_fate,
    )
    from interop.actions.transfer import (
        TransferResult,
        send_native,
    )
    from interop.adapters.base import (
        FlowRef,
        FlowStatus,
        Status,
    )
    from interop.addresses import (
        parse_address_with_chain,
    )
    from interop.chains import (
        Chain,
        ChainRegistry,
        ContractName,
        Stack,
        all_chains,
        get_chain,
        load_chains,
    )
    from interop.client import (
        ChainClient,
    )
    from interop.facade import (
        Interop,
        ResumeResult,
    )
    from interop.flows import (
        Flow,
        FlowEvent,
        FlowState,
        Message,
        Transfer,
    )
    from interop.journal import (
        Journal,
    )
    from interop.routes import (
        RoutePlan,
    )
    from interop.signer import (
        SafeSigner,
        Signer,
        account_from_env,
        account_from_key,
    )

_LAZY: dict[str, str] = {
    "BalanceTable": "interop.actions.balances",
    "Chain": "interop.chains",
    "ChainBalances": "interop.actions.balances",
    "ChainClient": "interop.client",
    "ChainRegistry": "interop.chains",
    "ContractName": "interop.chains",
    "Flow": "interop.flows",
    "Fate": "interop.actions.fate",
    "FateKind": "interop.actions.fate",
    "FlowEvent": "interop.flows",
    "FlowRef": "interop.adapters.base",
    "FlowState": "interop.flows",
    "FlowStatus": "interop.adapters.base",
    "Interop": "interop.facade",
    "Journal": "interop.journal",
    "Message": "interop.flows",
    "ResumeResult": "interop.facade",
    "RoutePlan": "interop.routes",
    "SafeSigner": "interop.signer",
    "Signer": "interop.signer",
    "Stack": "interop.chains",
    "Status": "interop.adapters.base",
    "Transfer": "interop.flows",
    "TransferResult": "interop.actions.transfer",
    "account_from_env": "interop.signer",
    "account_from_key": "interop.signer",
    "all_chains": "interop.chains",
    "get_balances": "interop.actions.balances",
    "get_balances_multichain": "interop.actions.balances",
    "get_chain": "interop.chains",
    "load_chains": "interop.chains",
    "parse_address_with_chain": "interop.addresses",
    "send_native": "interop.actions.transfer",
    "tx_fate": "interop.actions.fate",
}


def __getattr__(name: str) -> Any:
    """Load heavy parts (web3, eth-account, aiohttp) only when a name that needs them is used,
    so `interop --help` and `import interop` are fast."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'interop' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
    "Fate",
    "FateKind",
    "Flow",
    "FlowEvent",
    "FlowRef",
    "FlowState",
    "FlowStatus",
    "FlowTimeoutError",
    "InputError",
    "InsufficientFundsError",
    "Interop",
    "InteropError",
    "InvalidAddressError",
    "InvalidAmountError",
    "Journal",
    "JournalError",
    "ManualActionRequired",
    "Message",
    "MissingSignerError",
    "NotReadyError",
    "RefusedError",
    "ResumeResult",
    "RoutePlan",
    "RpcError",
    "SafeSigner",
    "Signer",
    "Stack",
    "Status",
    "TransactionError",
    "TransactionReplacedError",
    "TransactionUnknownError",
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
    "tx_fate",
]
