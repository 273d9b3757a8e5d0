"""bench/load.py measures what it says: a tiny run end to end, and its percentiles."""

import pytest

from bench.load import main_async, parse_args, percentile, summary_ms


def test_percentiles_take_the_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]  # 1 ms … 100 ms

    assert percentile(values, 50) == pytest.approx(0.050, abs=0.001)
    assert percentile(values, 99) == pytest.approx(0.099, abs=0.001)
    assert percentile([], 50) is None
    assert summary_ms([0.010, 0.020]) == {
        "n": 2,
        "p50": 10.0,
        "p95": 20.0,
        "p99": 20.0,
        "max": 20.0,
    }


async def test_a_small_run_reports_every_figure_and_nothing_lost():
    args = parse_args(
        [
            "--fast",
            "--sessions=1",
            "--reviewers=2",
            "--interactions=1",
            "--criteria=2",
            "--floor-rounds=1",
            "--save-rate=10",
        ]
    )

    result = await main_async(args)

    assert result["ack_ms"]["n"] == 4  # 2 reviewers × 1 interaction × 2 criteria
    assert result["connect_ms"]["n"] == 3
    assert result["reveal_fanout_ms"]["n"] == 1
    assert result["floor_fanout_ms"]["n"] == 1
    assert result["setup"]["revealed_snapshot_bytes"] > 1000
    lost = result["lost"]
    assert lost["acknowledged_ratings_not_stored"] == 0
    assert lost["ratings_never_acknowledged"] == 0
    assert lost["reviewers_without_reveal"] == 0
    assert lost["sessions_not_revealed"] == 0
    assert lost["failed_steps"] == []
    assert result["server"]["peak_rss_mb"] > 0
    assert len(result["setup"]["load_average"]) == 2  # the shared machine's, start and end
