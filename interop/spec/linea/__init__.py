"""Linea's message service: formulas, ABIs and the L2->L1 Merkle tree (pure, no I/O)."""
