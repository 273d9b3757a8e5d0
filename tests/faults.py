"""Throwaway servers for the fault tests: Redis, PostgreSQL and daphne workers of their own, on
free ports, never the machine's shared ones. The workers are real `daphne` processes (as
deploy/systemd runs them), the people Python clients of the room (bench/client.py)."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.client import RoomClient, all_revealed, everyone_submitted
from bench.load import Workers, start_workers

from .conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
INITDB = shutil.which("initdb") or "/usr/local/bin/initdb"
PG_CTL = shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl"
TIMEOUT = 45  # seconds any one step may take on a loaded CI machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 20, up: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} is still {'closed' if up else 'open'}")


def require(tool: str, path: str | None) -> str:
    if path and os.path.exists(path):
        return path
    if IN_CI:
        pytest.fail(f"{tool} is required under CI=true")
    pytest.skip(f"{tool} is not installed")


@dataclass
class Redis:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                require("redis-server", shutil.which("redis-server")),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for_port(self.port, up=False)


class Postgres:
    """A PostgreSQL cluster in a temporary folder. PostgreSQL refuses to run as root (CI runs
    as root): there the cluster belongs to `nobody` and its commands run as that user."""

    def __init__(self):
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="concord-faults-pg-"))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = require("runuser", shutil.which("runuser"))
            self.as_user = [runuser, "-u", "nobody", "--"]
            os.chmod(self.folder, 0o755)
            os.chown(self.folder, pwd.getpwnam("nobody").pw_uid, -1)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/concord_faults"

    def _run(self, *argv: str) -> None:
        result = subprocess.run([*self.as_user, *argv], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr

    def create(self) -> None:
        initdb = require("initdb", INITDB)
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        import psycopg

        admin = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("CREATE DATABASE concord_faults")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            require("pg_ctl", PG_CTL),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(PG_CTL, "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [*self.as_user, PG_CTL, "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def app_env(database_url: str, redis_url: str = "") -> dict:
    """The workers' environment: this test's database and Redis, nothing from the caller's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CONCORD_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
        # Short pool waits: a request during an outage fails fast instead of hanging.
        CONCORD_DB_POOL_TIMEOUT="3",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def run_python(env: dict, *argv: str) -> str:
    result = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def migrate(env: dict) -> None:
    run_python(env, "manage.py", "migrate", "--noinput", "-v", "0")


def make_world(env: dict, *, reviewers: int, interactions: int = 1, criteria: int = 4) -> dict:
    return json.loads(
        run_python(
            env,
            "-m",
            "bench.world",
            "setup",
            "--sessions=1",
            f"--reviewers={reviewers}",
            f"--interactions={interactions}",
            f"--criteria={criteria}",
        )
    )


def stored_ratings(env: dict, world: dict, folder: Path) -> dict[tuple, tuple]:
    """(username, item, criterion) -> (value, na) as the database holds them."""
    path = folder / "world.json"
    path.write_text(json.dumps(world))
    stored = json.loads(run_python(env, "-m", "bench.world", "verify", f"--world={path}"))
    rows = stored[str(world["sessions"][0]["id"])]["ratings"]
    return {(user, item, crit): (value, na) for user, item, crit, value, na in rows}


def acknowledged(client) -> dict[tuple, tuple]:
    return {
        (client.username, item, criterion): (None if e["na"] else e["value"], e["na"])
        for (item, criterion), e in client.acked.items()
    }


def workers(count: int, env: dict, folder: Path) -> Workers:
    return start_workers("calibration.asgi:application", count, env, folder)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


# --- people in the room ------------------------------------------------------------------


def people(world, urls, *, reviewer_home=0, facilitator_home=0):
    session = world["sessions"][0]
    make = lambda name, home: RoomClient(  # noqa: E731
        servers=urls,
        session_id=session["id"],
        username=name,
        password=world["password"],
        home=home,
    )
    reviewers = [make(name, reviewer_home) for name in session["reviewers"]]
    return session, make(session["facilitator"], facilitator_home), reviewers


async def rate(client, session, criteria, value=1):
    item = session["items"][0]
    for criterion in criteria:
        await asyncio.wait_for(
            client.save(
                item=item,
                criterion=criterion["id"],
                value=criterion["values"][value % len(criterion["values"])],
                comment=f"{client.username} on {criterion['id']}",
            ),
            TIMEOUT,
        )


async def finish(session, facilitator, reviewers):
    """Everyone submits, the facilitator sees it live and reveals, every reviewer sees it."""
    item = session["items"][0]
    for reviewer in reviewers:
        await reviewer.ensure_connected(timeout=TIMEOUT)
        await reviewer.request("submit", {"item": item}, timeout=TIMEOUT)
    await facilitator.wait_for(everyone_submitted, timeout=TIMEOUT)
    await facilitator.ensure_connected(timeout=TIMEOUT)
    await facilitator.request("reveal", {}, timeout=TIMEOUT)
    for reviewer in reviewers:
        await reviewer.wait_for(all_revealed, timeout=TIMEOUT)


def assert_told_to_come_back(clients, *, notice_required=True):
    """During an outage the server says so and closes ("unavailable", then a close code
    other than 1011): no client was left on an open socket that answers nothing. (A short
    PostgreSQL outage may need no notice at all: the pool waits for the database.)"""
    closes = [code for client in clients for code in client.stats.closes]
    assert 1011 not in closes, closes
    if notice_required:
        assert sum(client.stats.unavailable for client in clients) >= 1
    # The server closes a socket it cannot serve (4013): no client had to give up on a silent one.
    assert not any(client.stats.dead_links for client in clients), [
        client.stats.dead_links for client in clients
    ]


def assert_nothing_lost(env, world, tmp_path, clients):
    stored = stored_ratings(env, world, tmp_path)
    for client in clients:
        assert client.outbox == {}, f"{client.username} has ratings never acknowledged"
        for key, value in acknowledged(client).items():
            assert stored.get(key) == value, (
                f"acknowledged {key} = {value}, stored {stored.get(key)}"
            )
