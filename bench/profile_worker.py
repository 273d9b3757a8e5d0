"""Run daphne with every thread profiled (cProfile sees only the thread that enables it).

The database work of consumers runs in asgiref's executor threads, not on the event loop, so
`python -m cProfile -m daphne` shows an idle loop. This wrapper enables a profiler in each
executor thread as it first runs work, and at exit writes the event loop's and the threads'
profiles merged into one file:

    python -m bench.profile_worker OUT.prof -b 127.0.0.1 -p 8001 calibration.asgi:application

bench/load.py --profile DIR uses it.
"""

import atexit
import cProfile
import pstats
import sys
import threading
from concurrent.futures import thread as futures_thread

profiles: list[cProfile.Profile] = []
local = threading.local()
_run = futures_thread._WorkItem.run


def _profiled_run(self):
    if not hasattr(local, "profile"):
        local.profile = cProfile.Profile()
        profiles.append(local.profile)
    local.profile.enable()
    try:
        return _run(self)
    finally:
        local.profile.disable()


def main() -> None:
    out, argv = sys.argv[1], sys.argv[2:]
    futures_thread._WorkItem.run = _profiled_run
    loop_profile = cProfile.Profile()
    profiles.append(loop_profile)

    def dump():
        loop_profile.disable()
        stats = None
        for profile in profiles:
            profile.create_stats()
            if profile.stats:
                stats = pstats.Stats(profile) if stats is None else stats.add(profile)
        if stats is not None:
            stats.dump_stats(out)

    atexit.register(dump)
    from daphne.cli import CommandLineInterface

    loop_profile.enable()
    CommandLineInterface().run(argv)


if __name__ == "__main__":
    main()
