"""Arbitrum (Nitro) as specified: `formulas` (ids, hashes, event layouts, the outbox merkle
tree, precompile addresses) and `abis` (the contract functions interop calls). Pure: no I/O."""
