"""The spec layer: what a rollup family *is*, as data and pure functions, with no I/O.

`interop.spec.<family>` holds the formulas (hashes, encodings, derivations), the contract ABIs
and the predeploy / precompile addresses of one family. Both the adapters (the SDK that talks to
real chains) and the devnet (the test oracle that emulates them) import it; neither imports the
other, so a bug in an adapter cannot hide behind the same bug in the devnet's copy of it.

Rule for every module below: import only `interop.types`, `interop.abi`, `interop.errors` and
the Ethereum libraries (eth_abi, eth_utils, rlp), never a client, transport, adapter or devnet.
"""
