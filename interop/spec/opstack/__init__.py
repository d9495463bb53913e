"""OP Stack spec: predeploy addresses, contract ABIs and the pure bridge formulas (deposit and
withdrawal hashes, output roots, cross-domain message encodings). No I/O; see `interop.spec`."""
