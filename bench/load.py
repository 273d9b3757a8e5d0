"""Load benchmark of the live room: S sessions × R reviewers and a facilitator each.

It starts its own daphne worker(s) on a fresh database, creates the people and sessions
through the services (bench/world.py), and then, as people do: everyone logs in over HTTP and
opens the room; reviewers rate every criterion of every interaction with pauses and submit; each
facilitator reveals when everyone has submitted. It reports connect time, score-ack latency and
reveal fan-out (the facilitator's click until the last reviewer of the session has the revealed
state) as p50/p95/p99, what was lost, the workers' CPU and peak memory; then, in the same run,
the floor of the stack: a bare Channels consumer (bench/floor.py) broadcasting a payload of the
revealed snapshot's size to groups of the same size, at the same moments, and the ratio.

    python -m bench.load --fast                                    # 10 × 20, SQLite, 1 worker
    python -m bench.load --fast --postgres postgres://postgres@127.0.0.1:5432/concord_bench
    python -m bench.load --fast --workers 2 --redis-url redis://127.0.0.1:6379/4 --postgres …
    python -m bench.load --pause 15-35                             # people's pace (minutes)

Nothing lost means: every acknowledged rating is in the database with the acknowledged value,
and every reviewer had the revealed state.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil
import websockets

from bench.client import RoomClient, all_revealed, everyone_submitted

ROOT = Path(__file__).resolve().parents[1]
COMMENTS = [
    "Greeted the customer by name and restated the problem before answering.",
    "Did not confirm the refund amount; the customer had to ask twice.",
    "Good tone throughout, but the closing skipped the satisfaction check.",
    "Verified identity with two factors as the policy asks.",
    "Linked the right help article, though a short summary would have helped.",
    "",
]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    # Nearest rank: the smallest value with at least q% of the values at or below it.
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary_ms(values: list[float]) -> dict:
    return {
        "n": len(values),
        **{
            f"p{q}": None
            if percentile(values, q) is None
            else round(percentile(values, q) * 1000, 1)
            for q in (50, 95, 99)
        },
        "max": round(max(values) * 1000, 1) if values else None,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the server side: database, workers, their CPU and memory ----------------------------


def fresh_database(args, workdir: Path) -> str:
    if not args.postgres:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    import psycopg

    parts = urlsplit(args.postgres)
    name = parts.path.lstrip("/")
    if not name.startswith("concord_bench"):
        raise SystemExit("--postgres must name a database starting with concord_bench (dropped)")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return args.postgres


def server_env(args, database_url: str, prefix: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONCORD_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        BENCH_LAYER_PREFIX=prefix,
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def manage(env: dict, *argv: str) -> str:
    result = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


@dataclass
class Workers:
    processes: list[subprocess.Popen]
    ports: list[int]
    peak_rss: dict[int, int] = field(default_factory=dict)

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(process.pid).cpu_times()
                total += times.user + times.system
        return total

    async def watch_memory(self) -> None:
        while True:
            for process in self.processes:
                with contextlib.suppress(psutil.Error):
                    rss = psutil.Process(process.pid).memory_info().rss
                    self.peak_rss[process.pid] = max(self.peak_rss.get(process.pid, 0), rss)
            await asyncio.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                # SIGINT: twisted stops cleanly, so a cProfile wrapper writes its stats.
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_workers(
    app: str, count: int, env: dict, workdir: Path, profile_dir: Path | None = None
) -> Workers:
    processes, ports = [], []
    for _ in range(count):
        port = free_port()
        command = [sys.executable, "-m"]
        if profile_dir is not None:
            command += ["bench.profile_worker", str(profile_dir / f"worker-{port}.prof")]
        else:
            command += ["daphne"]
        command += [
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "--websocket-max-message-size",
            "262144",
            app,
        ]
        log = open(workdir / f"daphne-{port}.log", "w")  # noqa: SIM115 - lives with the process
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )
        ports.append(port)
    workers = Workers(processes, ports)
    deadline = time.monotonic() + 60
    for port, process in zip(ports, processes, strict=True):
        while True:
            if process.poll() is not None:
                raise SystemExit(f"daphne on {port} exited; see {workdir}/daphne-{port}.log")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"daphne on {port} did not start")
            time.sleep(0.2)
    return workers


# --- the people ----------------------------------------------------------------------------


@dataclass
class Run:
    args: argparse.Namespace
    world: dict
    clients: dict[str, RoomClient] = field(default_factory=dict)
    logins: list[float] = field(default_factory=list)
    reveal_clicked: dict[int, float] = field(default_factory=dict)
    reveal_seen: dict[int, dict[str, float]] = field(default_factory=dict)
    reveal_missed: int = 0
    refused: list[str] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)
    snapshot_bytes: int = 0
    scoring_started_at: float = 0.0
    connect_failures: int = 0
    stale_syncs: int = 0
    ready: int = 0
    all_ready: asyncio.Event = field(default_factory=asyncio.Event)
    last_save_at: float = 0.0
    revealed_snapshot: dict | None = None

    def pause(self) -> float:
        low, high = self.args.pause
        return random.uniform(low, high)


async def await_state(run: Run, client: RoomClient, predicate, timeout: float) -> float:
    """Waits for a state; a client that has heard nothing for 15 s asks again (sync). When
    the answer already shows the state, a "look again" event never reached it: counted."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            return await client.wait_for(predicate, timeout=min(15.0, deadline - loop.time()))
        except TimeoutError:
            if loop.time() >= deadline:
                raise
            await client.ensure_connected()
            await client.request("sync", timeout=30)
            if predicate(client.snapshot):
                run.stale_syncs += 1  # the state had changed, but no event said so


async def reviewer(run: Run, client: RoomClient, session: dict, start: asyncio.Event) -> None:
    await start.wait()
    loop = asyncio.get_running_loop()
    due = loop.time()
    try:
        for item in session["items"]:
            for criterion in session["criteria"]:
                # On a clock, not after each ack: a slow ack must not lower the save rate.
                due += run.pause()
                await asyncio.sleep(max(0.0, due - loop.time()))
                na = criterion["na"] and random.random() < 0.1
                await client.save(
                    item=item,
                    criterion=criterion["id"],
                    value=None if na else random.choice(criterion["values"]),
                    na=na,
                    comment=random.choice(COMMENTS),
                )
                run.last_save_at = max(run.last_save_at, time.perf_counter())
            await client.ensure_connected()
            await client.request("submit", {"item": item}, timeout=30)
        seen = await await_state(run, client, all_revealed, run.args.reveal_timeout)
        run.reveal_seen[session["id"]][client.username] = seen
        if run.revealed_snapshot is None:
            run.revealed_snapshot = client.snapshot
    except TimeoutError:
        run.reveal_missed += 1
    except Exception as error:  # reported, not hidden: a refused or failed step
        run.gave_up.append(f"{client.username}: {type(error).__name__}: {error}")


async def facilitator(run: Run, client: RoomClient, session: dict, start: asyncio.Event) -> None:
    await start.wait()
    try:
        await await_state(run, client, everyone_submitted, run.args.scoring_timeout)
        if run.args.reveal == "idle":
            # Everyone everywhere has submitted and the worker is otherwise quiet: sessions
            # reveal one after another, so each fan-out is measured on its own.
            run.ready += 1
            if run.ready == len(run.world["sessions"]):
                run.all_ready.set()
            await run.all_ready.wait()
            number = [s["id"] for s in run.world["sessions"]].index(session["id"])
            await asyncio.sleep(2.0 + 2.0 * number)
        run.reveal_clicked[session["id"]] = time.perf_counter()
        await client.request("reveal", {}, timeout=30)
    except Exception as error:
        run.gave_up.append(f"{client.username}: {type(error).__name__}: {error}")


async def people(run: Run, workers: Workers) -> dict:
    args = run.args
    marks = {"cpu_start": workers.cpu_seconds(), "load_start": round(os.getloadavg()[0], 2)}
    everyone = []
    for number, session in enumerate(run.world["sessions"]):
        run.reveal_seen[session["id"]] = {}
        names = [session["facilitator"], *session["reviewers"]]
        for index, name in enumerate(names):
            client = RoomClient(
                servers=workers.urls,
                session_id=session["id"],
                username=name,
                password=run.world["password"],
                home=number * len(names) + index,
            )
            run.clients[name] = client
            everyone.append((session, client, index == 0))

    gate = asyncio.Semaphore(20)

    async def login(client):
        # One HTTP client per person: a shared one would share its cookie jar.
        async with gate:
            run.logins.append(await client.login())

    await asyncio.gather(*(login(client) for _, client, _ in everyone))
    marks["cpu_logged_in"] = workers.cpu_seconds()

    started = time.perf_counter()
    connects = []
    for _, client, _ in everyone:
        connects.append(asyncio.create_task(client.connect(timeout=60)))
        await asyncio.sleep(1 / args.connect_rate)
    failed = [
        r
        for r in await asyncio.gather(*connects, return_exceptions=True)
        if r is not None and not isinstance(r, float)
    ]
    # A socket that did not open in time is counted; its person retries when they act.
    run.connect_failures = len(failed)
    marks["connect_wall_s"] = time.perf_counter() - started
    marks["cpu_connected"] = workers.cpu_seconds()

    beats = [asyncio.create_task(client.heartbeat(args.heartbeat)) for _, client, _ in everyone]
    start = asyncio.Event()
    flows = [
        asyncio.create_task(
            (facilitator if is_facilitator else reviewer)(run, client, session, start)
        )
        for session, client, is_facilitator in everyone
    ]
    scoring_started = run.scoring_started_at = time.perf_counter()
    start.set()
    await asyncio.gather(*flows)
    marks["scoring_wall_s"] = time.perf_counter() - scoring_started
    marks["cpu_done"] = workers.cpu_seconds()
    for beat in beats:
        beat.cancel()
    if run.revealed_snapshot is not None:
        run.snapshot_bytes = len(json.dumps(run.revealed_snapshot))
    await asyncio.gather(*(client.close() for _, client, _ in everyone))
    return marks


def lost_ratings(run: Run, stored: dict) -> tuple[int, int]:
    """(acknowledged ratings missing or different in the database, never acknowledged)."""
    ids = {}
    for session in run.world["sessions"]:
        rows = stored[str(session["id"])]["ratings"]
        ids.update({(user, item, crit): (value, na) for user, item, crit, value, na in rows})
    missing = unacked = 0
    for name, client in run.clients.items():
        unacked += len(client.outbox)
        for (item, criterion), entry in client.acked.items():
            want = (None if entry["na"] else entry["value"], entry["na"])
            if ids.get((name, item, criterion)) != want:
                missing += 1
    return missing, unacked


# --- the floor -----------------------------------------------------------------------------


async def floor(run: Run, workers: Workers) -> list[float]:
    """Blasts the revealed snapshot's document to groups of the session's size, at the same
    offsets the reveals had, `--floor-rounds` times; returns each group's time to its last."""
    args = run.args
    group_size = 1 + args.reviewers
    offsets = sorted(run.reveal_clicked.values())
    first = offsets[0] if offsets else 0.0
    schedule = [run.reveal_clicked.get(s["id"], first) - first for s in run.world["sessions"]]
    payload = dict(run.revealed_snapshot or {"type": "snapshot", "filler": "x" * 80_000})
    sockets: list[list] = []
    for number in range(args.sessions):
        members = []
        for index in range(group_size):
            url = workers.urls[(number * group_size + index) % len(workers.urls)]
            members.append(
                await websockets.connect(
                    url.replace("http://", "ws://") + f"/floor/g{number}/",
                    max_size=None,
                    ping_interval=None,
                )
            )
            await asyncio.sleep(1 / args.connect_rate)
        sockets.append(members)
    for members in sockets:
        await members[0].send(json.dumps({"type": "prime", "payload": payload}))
        assert json.loads(await members[0].recv())["type"] == "primed"
    await asyncio.sleep(1)  # group_add of every member has landed

    async def until(member, seq: int) -> float:
        while True:
            frame = json.loads(await member.recv())
            if frame.get("seq") == seq:
                return time.perf_counter()

    async def blast(members, delay: float, seq: int) -> float:
        await asyncio.sleep(delay)
        waiting = [asyncio.create_task(until(member, seq)) for member in members[1:]]
        clicked = time.perf_counter()
        await members[0].send(json.dumps({"type": "blast", "seq": seq}))
        arrived = await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)
        # the blaster gets its own copy too: drain it so it never queues up
        await until(members[0], seq)
        return max(arrived) - clicked

    spans = []
    for round_number in range(args.floor_rounds):
        spans += await asyncio.gather(
            *(
                blast(members, schedule[number], round_number)
                for number, members in enumerate(sockets)
            )
        )
        await asyncio.sleep(0.5)
    for members in sockets:
        for member in members:
            await member.close()
    return spans


# --- the report ----------------------------------------------------------------------------


def report(run: Run, marks: dict, stored: dict, floor_spans, workers, floor_cpu) -> dict:
    args = run.args
    clients = list(run.clients.values())
    fanout, per_reviewer = [], []
    for session_id, clicked in run.reveal_clicked.items():
        seen = run.reveal_seen[session_id]
        if seen:
            fanout.append(max(seen.values()) - clicked)
            per_reviewer += [moment - clicked for moment in seen.values()]
    missing, unacked = lost_ratings(run, stored)
    saves = sum(len(c.stats.ack_s) for c in clients)
    scoring = run.last_save_at - run.scoring_started_at
    result = {
        "setup": {
            "sessions": args.sessions,
            "reviewers": args.reviewers,
            "interactions": args.interactions,
            "criteria": args.criteria,
            "workers": args.workers,
            "database": "postgresql" if args.postgres else "sqlite",
            "layer": "redis" if args.redis_url else "in-memory",
            "pause_s": list(args.pause),
            "reveal": args.reveal,
            "saves_per_s_per_session": round(saves / scoring / args.sessions, 1),
            "revealed_snapshot_bytes": run.snapshot_bytes,
            # The machine is shared: the 1-minute load average when the run started and ended.
            "load_average": [marks["load_start"], round(os.getloadavg()[0], 2)],
        },
        "login_ms": summary_ms(run.logins),
        "connect_ms": summary_ms([s for c in clients for s in c.stats.connect_s]),
        "connect_wall_s": round(marks["connect_wall_s"], 1),
        "connect_failures": run.connect_failures,
        "ack_ms": summary_ms([s for c in clients for s in c.stats.ack_s]),
        "reveal_fanout_ms": summary_ms(fanout),
        "reveal_per_reviewer_ms": summary_ms(per_reviewer),
        "floor_fanout_ms": summary_ms(floor_spans),
        "lost": {
            "acknowledged_ratings_not_stored": missing,
            "ratings_never_acknowledged": unacked,
            "reviewers_without_reveal": run.reveal_missed,
            "events_missed_then_synced": run.stale_syncs,
            "sessions_not_revealed": sum(
                1 for s in run.world["sessions"] if stored[str(s["id"])]["revealed"] == 0
            ),
            "failed_steps": run.gave_up[:10],
        },
        "reconnects": sum(c.stats.reconnects for c in clients),
        "server": {
            "cpu_s_login": round(marks["cpu_logged_in"] - marks["cpu_start"], 1),
            "cpu_s_connect": round(marks["cpu_connected"] - marks["cpu_logged_in"], 1),
            "cpu_s_scoring_and_reveal": round(marks["cpu_done"] - marks["cpu_connected"], 1),
            "scoring_wall_s": round(marks["scoring_wall_s"], 1),
            "peak_rss_mb": round(sum(workers.peak_rss.values()) / 2**20, 1),
            "floor_cpu_s": round(floor_cpu, 1),
        },
    }
    ours, base = result["reveal_fanout_ms"], result["floor_fanout_ms"]
    result["ratio_to_floor"] = {
        q: round(ours[q] / base[q], 1) if ours[q] and base[q] else None for q in ("p50", "p99")
    }
    return result


def print_report(result: dict) -> None:
    setup = result["setup"]
    print(
        f"\n{setup['sessions']} sessions × {setup['reviewers']} reviewers (+ facilitator), "
        f"{setup['interactions']} interactions × {setup['criteria']} criteria; "
        f"{setup['workers']} worker(s), {setup['database']}, {setup['layer']} layer; "
        f"{setup['saves_per_s_per_session']} saves/s per session; "
        f"revealed snapshot {setup['revealed_snapshot_bytes'] / 1000:.0f} KB; "
        f"load average {setup['load_average'][0]} at the start, {setup['load_average'][1]} "
        "at the end"
    )
    print(f"{'':28}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}  (ms)")
    for label, key in [
        ("login (HTTP)", "login_ms"),
        ("connect → first snapshot", "connect_ms"),
        ("score save → ack", "ack_ms"),
        ("reveal → last reviewer", "reveal_fanout_ms"),
        ("reveal → each reviewer", "reveal_per_reviewer_ms"),
        ("floor → last client", "floor_fanout_ms"),
    ]:
        row = result[key]
        cells = "".join(f"{'-' if row[q] is None else row[q]:>9}" for q in ("p50", "p95", "p99"))
        print(f"{label:28}{row['n']:>6}{cells}{'-' if row['max'] is None else row['max']:>9}")
    print(f"reveal ÷ floor: {result['ratio_to_floor']}")
    print(f"lost: {result['lost']}   reconnects: {result['reconnects']}")
    print(
        f"server: {result['server']}   connect wall: {result['connect_wall_s']} s, "
        f"sockets that did not open in 60 s: {result['connect_failures']}"
    )


def parse_pause(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low), float(high or low)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--interactions", type=int, default=2)
    parser.add_argument("--criteria", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redis-url", default="", help="channels-redis; needed for 2+ workers")
    parser.add_argument(
        "--postgres", default="", help="postgres://…/concord_bench… (dropped and re-created)"
    )
    parser.add_argument(
        "--pause", type=parse_pause, default=(15.0, 35.0), help="seconds between ratings: 15-35"
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="short run: pauses giving --save-rate saves a second per session",
    )
    parser.add_argument("--save-rate", type=float, default=20.0, help="per session, with --fast")
    parser.add_argument("--connect-rate", type=float, default=50.0, help="new sockets a second")
    parser.add_argument("--heartbeat", type=float, default=5.0, help="client ping interval, s")
    parser.add_argument(
        "--reveal",
        choices=["ready", "idle"],
        default="ready",
        help="ready: each facilitator reveals once their session has submitted (other "
        "sessions may still be scoring); idle: once all have, one session every 2 s",
    )
    parser.add_argument("--floor-rounds", type=int, default=5)
    parser.add_argument("--reveal-timeout", type=float, default=600.0)
    parser.add_argument("--scoring-timeout", type=float, default=3600.0)
    parser.add_argument("--profile", type=Path, help="cProfile each worker into this folder")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.workers > 1 and not args.redis_url:
        parser.error("--workers 2 or more needs --redis-url (the in-memory layer is per process)")
    if args.fast:
        mean = args.reviewers / args.save_rate  # each reviewer's interval between saves
        args.pause = (0.5 * mean, 1.5 * mean)
        args.reveal_timeout = min(args.reveal_timeout, 60.0)
    return args


async def main_async(args) -> dict:
    random.seed(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="concord-bench-"))
    database_url = fresh_database(args, workdir)
    env = server_env(args, database_url, prefix=f"bench{uuid.uuid4().hex[:8]}")
    print(f"database {database_url}; logs in {workdir}", file=sys.stderr)
    manage(env, "manage.py", "migrate", "--noinput", "-v", "0")
    world = json.loads(
        manage(
            env,
            "-m",
            "bench.world",
            "setup",
            f"--sessions={args.sessions}",
            f"--reviewers={args.reviewers}",
            f"--interactions={args.interactions}",
            f"--criteria={args.criteria}",
        )
    )
    (workdir / "world.json").write_text(json.dumps(world))
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    workers = start_workers(
        "calibration.asgi:application", args.workers, env, workdir, args.profile
    )
    run = Run(args=args, world=world)
    watcher = asyncio.create_task(workers.watch_memory())
    try:
        marks = await people(run, workers)
    finally:
        watcher.cancel()
        workers.stop()
    stored = json.loads(
        manage(env, "-m", "bench.world", "verify", f"--world={workdir / 'world.json'}")
    )

    floor_spans, floor_cpu = [], 0.0
    if args.floor_rounds:  # --floor-rounds 0: no floor (reported as missing)
        floor_workers = start_workers("bench.floor:application", args.workers, env, workdir)
        try:
            cpu_before = floor_workers.cpu_seconds()
            floor_spans = await floor(run, floor_workers)
            floor_cpu = floor_workers.cpu_seconds() - cpu_before
        finally:
            floor_workers.stop()
    return report(run, marks, stored, floor_spans, workers, floor_cpu)


def main(argv=None) -> None:
    args = parse_args(argv)
    result = asyncio.run(main_async(args))
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.profile:
        import pstats

        for path in sorted(args.profile.glob("worker-*.prof")):
            print(f"\n--- {path} (top 40 by own time, every thread) ---")
            pstats.Stats(str(path)).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
