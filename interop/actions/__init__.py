from interop.actions.balances import (
    BalanceTable,
    ChainBalances,
    get_balances,
    get_balances_multichain,
)

__all__ = ["BalanceTable", "ChainBalances", "get_balances", "get_balances_multichain"]
