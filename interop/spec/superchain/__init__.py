"""OP Superchain interop spec: the interop predeploys' ABIs and the pure message formulas
(payloads, message hashes, identifiers). No I/O; see `interop.spec`."""
