"""ZKsync Era / ZK Stack: pure protocol facts (addresses, encodings, hashes, Merkle trees).

No I/O. The adapter (`interop.adapters.zksync`) and the devnet emulation
(`interop.devnet.zksync`) both import this, so the devnet never imports the adapter it tests.
Sources are cited per definition in `addresses`, `logs` and `priority`.
"""
