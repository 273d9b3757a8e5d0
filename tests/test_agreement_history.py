"""The rules for judging a criterion from its history (pure; no Django).

Run: .venv/bin/python -m pytest tests/test_agreement_history.py -p no:django -q
"""

import pytest

from agreement import MIN_UNITS_FOR_CI
from agreement.history import (
    HIGH_FAIL_RATE,
    HIGH_NA_RATE,
    MIN_SESSIONS_TO_JUDGE,
    OFTEN_DISPUTED,
    TOO_EARLY,
    Rates,
    criterion_flags,
    criterion_rates,
    history_shortfall,
)


@pytest.fixture(autouse=True)
def _isolated_channel_layer():
    """Overrides the Django-only autouse fixture of tests/conftest.py: no Django needed here."""
    yield


WITH_CI = {"alpha": 0.5, "ci": [0.3, 0.7], "n_units": 40, "reason": None}


def test_enough_sessions_and_an_interval_can_be_judged():
    assert history_shortfall(MIN_SESSIONS_TO_JUDGE, WITH_CI) is None


def test_too_few_sessions_says_how_many_and_how_many_are_needed():
    text = history_shortfall(1, WITH_CI)

    assert text == (
        f"Too little history to judge: 1 session (at least {MIN_SESSIONS_TO_JUDGE} needed)."
    )


def test_too_few_units_for_an_interval_is_named_with_the_unit_count():
    text = history_shortfall(9, {"alpha": 0.2, "ci": None, "n_units": 3}, lead=TOO_EARLY)

    assert text.startswith("Too early to tell: 3 interactions with two ratings or more")
    assert f"at least {MIN_UNITS_FOR_CI} needed" in text


def test_no_variation_with_enough_units_gives_the_alpha_reason():
    alpha = {"alpha": None, "ci": None, "n_units": 30, "reason": "Everyone gave the same rating."}

    assert history_shortfall(8, alpha).endswith("everyone gave the same rating.")


def test_rates_need_something_behind_them():
    rates = criterion_rates(
        n_ratings=0, n_na=0, n_fail=0, has_fail_values=True, n_disputed=0, n_sessions=0
    )

    assert rates == Rates(na=None, fail=None, disputed=None)
    assert criterion_rates(
        n_ratings=8, n_na=2, n_fail=4, has_fail_values=False, n_disputed=1, n_sessions=4
    ) == Rates(na=0.2, fail=None, disputed=0.25)


def point(alpha, n_units=MIN_UNITS_FOR_CI):
    return {"alpha": {"alpha": alpha}, "n_units": n_units}


def test_flags_need_enough_history_and_cross_their_thresholds():
    high = Rates(na=HIGH_NA_RATE, fail=HIGH_FAIL_RATE, disputed=OFTEN_DISPUTED)
    low = [point(0.9), point(0.3), point(0.1, n_units=MIN_UNITS_FOR_CI - 1), point(0.5)]

    flags = criterion_flags(rates=high, n_sessions=MIN_SESSIONS_TO_JUDGE, periods=low)

    assert [f.split(":")[0] for f in flags] == [
        "Low agreement",
        "High N/A rate",
        "High fail rate",
        "Often the most disputed",
    ]
    assert criterion_flags(rates=high, n_sessions=MIN_SESSIONS_TO_JUDGE - 1, periods=low) == []
    assert criterion_flags(rates=high, n_sessions=9, periods=low, judged=False) == []
    recovered = criterion_flags(
        rates=Rates(0, 0, 0), n_sessions=9, periods=[point(0.3), point(0.8)]
    )
    assert recovered == []
