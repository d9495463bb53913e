"""A throw-away PostgreSQL server for tests: initdb into a temporary folder, start `postgres` on
a free port, create databases, stop it by PID.

Why a real server: leases (`FOR UPDATE SKIP LOCKED`), fencing and several worker processes are
properties of PostgreSQL itself; a fake would test the fake. The binaries come from the Debian
package (`make setup` installs it if missing); when they are absent, `find_bin()` returns None and
the tests skip saying so. As root (CI containers), the server runs as the `postgres` system user
(PostgreSQL refuses to run as root); the process is started directly, so its PID is the
postmaster's and stopping it never touches anyone else's server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")


def find_bin() -> Path | None:
    """The folder holding `initdb` and `postgres`, or None."""
    for d in _DIRS:
        if (Path(d) / "initdb").is_file() and (Path(d) / "postgres").is_file():
            return Path(d)
    found = shutil.which("initdb")
    if found and (Path(found).parent / "postgres").is_file():
        return Path(found).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One running server; `url(db)` connects to database `db` as the superuser `postgres`."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, folder: Path) -> None:
        self.proc = proc
        self.port = port
        self.folder = folder

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def create_db(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextmanager
def pg_server() -> Iterator[PgServer]:
    """Start a server (about a second) and stop it by its PID afterwards."""
    bindir = find_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries not found")
    folder = Path(tempfile.mkdtemp(prefix="interop-pg-"))
    data = folder / "data"
    kw: dict[str, object] = {}
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        kw = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=folder,
        **kw,  # type: ignore[call-overload]
    )
    port = _free_port()
    log = open(folder / "log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(folder),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=60",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
        **kw,  # type: ignore[call-overload]
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "postgres did not start: " + (folder / "log").read_text()[-2000:]
                    ) from None
                time.sleep(0.05)
        import psycopg

        while True:  # the port opens before the server accepts logins
            try:
                psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres").close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield PgServer(proc, port, folder)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # fast shutdown: disconnects clients, stops
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def open_together(url: str, n: int = 4) -> list[BaseException]:
    """Open (and close) the journal at `url` from `n` threads at once, as workers of one
    release starting together do; what any of them raised (the schema is created or migrated
    under an advisory lock, so the answer should be nothing)."""
    from interop.journal import Journal

    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            Journal(url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
