"""Benchmark session_statistics on a synthetic session (seeded).

50 reviewers x 20 interactions x 30 criteria = 30,000 blind ratings with mixed scales
(binary, 1-5, ordered labels, unordered labels), ~5% N/A, plus some revision rows that the
statistics ignore.
Run: ``python bench/bench_statistics.py`` or ``python -m bench.bench_statistics``.
Target: median under 1 s on one core with 1000 bootstrap resamples per alpha.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agreement import CriterionSpec, session_statistics


def make_specs() -> dict[str, CriterionSpec]:
    specs = {}
    for c in range(30):
        cid = f"c{c:02d}"
        if c < 10:  # pass / fail, three of them critical
            specs[cid] = CriterionSpec("nominal", "binary", 0, 1, 2.0, c < 3, (0,))
        elif c < 20:  # 1..5 points; three treated as interval
            specs[cid] = CriterionSpec("interval" if c >= 17 else "ordinal", "numeric", 1, 5)
        elif c < 25:  # ordered labels 0..3
            specs[cid] = CriterionSpec("ordinal", "labels", 0, 3, fail_values=(0,))
        else:  # unordered labels 0..3
            specs[cid] = CriterionSpec("nominal", "labels", 0, 3, 0.5, ordered=False)
    return specs


def make_session(seed: int = 7, n_reviewers: int = 50, n_interactions: int = 20):
    rng = np.random.default_rng(seed)
    specs = make_specs()
    crit = list(specs)
    n_c = len(crit)
    lo = np.array([s.scale_min for s in specs.values()])
    hi = np.array([s.scale_max for s in specs.values()])
    ordered = np.array([s.has_magnitude for s in specs.values()])
    truth = np.round(lo + rng.random((n_interactions, n_c)) * (hi - lo))
    leniency = rng.normal(0, 0.25, n_reviewers)
    noise = rng.normal(0, 0.5, (n_interactions, n_c, n_reviewers))
    shift = (hi - lo)[None, :, None] * 0.35 * (leniency[None, None, :] + noise)
    rated = np.clip(np.round(truth[:, :, None] + shift), lo[None, :, None], hi[None, :, None])
    random_label = rng.integers(0, 4, rated.shape).astype(float)
    keep = rng.random(rated.shape) < 0.75
    unordered = np.where(keep, truth[:, :, None], random_label)
    rated = np.where(ordered[None, :, None], rated, unordered)
    rated[rng.random(rated.shape) < 0.05] = np.nan
    i, c, r = np.meshgrid(
        np.arange(n_interactions), np.arange(n_c), np.arange(n_reviewers), indexing="ij"
    )
    blind = pd.DataFrame(
        {
            "session": 1,
            "interaction": i.ravel() + 100,
            "criterion": np.array(crit)[c.ravel()],
            "reviewer": np.char.add("rev", r.ravel().astype(str)),
            "value": rated.ravel(),
            "kind": "blind",
        }
    )
    revision = blind.sample(frac=0.05, random_state=seed).assign(kind="revision")
    ratings = pd.concat([blind, revision], ignore_index=True)
    ref_index = pd.MultiIndex.from_product(
        [np.arange(n_interactions) + 100, crit], names=["interaction", "criterion"]
    )
    consensus = pd.Series(truth.ravel(), index=ref_index)
    baseline = consensus.copy()
    baseline.iloc[::7] = np.nan
    return ratings, specs, consensus, baseline


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="also check JSON serialisation")
    args = parser.parse_args(argv)
    ratings, specs, consensus, baseline = make_session()
    n_blind = int((ratings["kind"] == "blind").sum())
    session_statistics(ratings, specs, consensus, baseline, n_resamples=args.resamples)  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = session_statistics(ratings, specs, consensus, baseline, n_resamples=args.resamples)
        times.append(time.perf_counter() - start)
    if args.json:
        print(f"JSON size: {len(json.dumps(result, allow_nan=False)) / 1e6:.2f} MB")
    alphas = {k: v["alpha"] for k, v in result["session"]["alpha"].items()}
    print(f"session alpha by level: {alphas}")
    print(
        f"session_statistics: {n_blind} ratings, {args.resamples} resamples/alpha: "
        f"median {statistics.median(times):.2f} s (min {min(times):.2f} s) over {args.runs} runs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
