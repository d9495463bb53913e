from interop.actions.balances import (
    BalanceChunk,
    BalanceMap,
    BalanceTable,
    ChainBalances,
    get_balances,
    get_balances_multichain,
    iter_balances,
)

__all__ = [
    "BalanceChunk",
    "BalanceMap",
    "BalanceTable",
    "ChainBalances",
    "get_balances",
    "get_balances_multichain",
    "iter_balances",
]
