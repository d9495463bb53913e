from interop.actions.balances import (
    BalanceChunk,
    BalanceTable,
    ChainBalances,
    get_balances,
    get_balances_multichain,
    iter_balances,
)

__all__ = [
    "BalanceChunk",
    "BalanceTable",
    "ChainBalances",
    "get_balances",
    "get_balances_multichain",
    "iter_balances",
]
