"""The disagreement ranking and its colour bands (pure data, no database)."""

import pytest

from agreement import CriterionSpec, disagreement_band, rank_criteria, rank_session

NUMERIC = CriterionSpec(level="ordinal", scale_kind="numeric", scale_min=1, scale_max=5)
LABELS = CriterionSpec(
    level="nominal", scale_kind="labels", scale_min=0, scale_max=2, ordered=False
)
CRITICAL = CriterionSpec(level="nominal", scale_kind="binary", critical=True)


def test_ranking_breaks_ties_by_distinct_answers_then_scorecard_order():
    ranking = rank_criteria({1: NUMERIC, 2: LABELS}, {1: [3, 3], 2: [1, 1]})

    assert [row["criterion"] for row in ranking] == [1, 2]
    assert all(row["disagreement"] == 0 for row in ranking)
    assert all(row["level"] == "agree" for row in ranking)


def test_a_critical_pass_fail_split_ranks_first_whatever_the_spread():
    ranking = rank_criteria({1: NUMERIC, 2: CRITICAL}, {1: [1, 5, 3], 2: [1, 1, 0]})

    assert ranking[0]["criterion"] == 2
    assert ranking[0]["critical_flip"] is True
    assert ranking[1]["critical_flip"] is False


def test_na_counts_in_the_distribution_but_not_in_the_spread():
    (row,) = rank_criteria({1: NUMERIC}, {1: [2, None, 2]})

    assert row["distribution"] == {"2": 2, "na": 1}
    assert row["disagreement"] == 0
    assert row["n"] == 3


def test_disagreement_is_rounded_to_three_decimals_and_written_with_two():
    (row,) = rank_criteria({1: NUMERIC}, {1: [1, 2, 4]})

    assert row["disagreement"] == round(row["disagreement"], 3)
    assert row["disagreement_text"] == f"{row['disagreement']:.2f}"


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (None, "agree"),
        (0, "agree"),
        (0.01, "low"),
        (0.2499, "low"),
        (0.25, "medium"),
        (0.4999, "medium"),
        (0.5, "high"),
        (1.0, "high"),
    ],
)
def test_disagreement_bands_are_pinned(value, band):
    assert disagreement_band(value) == band


def test_session_ranking_averages_over_interactions():
    first = rank_criteria({1: NUMERIC, 2: CRITICAL}, {1: [1, 5], 2: [1, 1]})
    second = rank_criteria({1: NUMERIC, 2: CRITICAL}, {1: [3, 3], 2: [1, 0]})

    ranking = rank_session([1, 2], [first, second])

    assert [row["criterion"] for row in ranking] == [2, 1]
    assert ranking[0]["critical_flips"] == 1
    numeric = next(row for row in ranking if row["criterion"] == 1)
    assert numeric["disagreement"] == pytest.approx(0.5)
    assert numeric["level"] == "high"


def test_the_discussion_queue_lists_undecided_criteria_by_disagreement_across_interactions():
    from agreement.ranking import discussion_queue

    first = rank_criteria({1: NUMERIC, 2: LABELS, 3: CRITICAL}, {1: [3, 3], 2: [0, 2], 3: [1, 1]})
    second = rank_criteria({1: NUMERIC, 2: LABELS, 3: CRITICAL}, {1: [1, 5], 2: [1, 1], 3: [1, 0]})

    progress = discussion_queue([(10, first, {2}), (20, second, set())])

    assert (progress["decided"], progress["total"]) == (1, 6)
    assert progress["text"] == "1 of 6 agreed"
    # the critical split first, then the widest spread, then the agreed ones in
    # interaction and scorecard order; the decided criterion is not in the queue
    assert [(entry["item"], entry["criterion"]) for entry in progress["queue"]] == [
        (20, 3),
        (20, 1),
        (10, 1),
        (10, 3),
        (20, 2),
    ]
    assert progress["flagged"] == 0


def test_flagged_criteria_lead_the_queue_most_flags_first_then_by_disagreement():
    from agreement.ranking import discussion_queue

    first = rank_criteria({1: NUMERIC, 2: LABELS, 3: CRITICAL}, {1: [3, 3], 2: [0, 2], 3: [1, 1]})
    second = rank_criteria({1: NUMERIC, 2: LABELS, 3: CRITICAL}, {1: [1, 5], 2: [1, 1], 3: [1, 0]})
    # (10, 3) is unanimous and (20, 2) too, but reviewers asked to discuss them; (10, 2) is
    # decided, so its flag does not bring it back.
    flags = {(10, 3): 1, (20, 2): 2, (10, 2): 3}

    progress = discussion_queue([(10, first, {2}), (20, second, set())], flags)

    assert progress["queue"] == [
        {"item": 20, "criterion": 2, "flags": 2},
        {"item": 10, "criterion": 3, "flags": 1},
        {"item": 20, "criterion": 3, "flags": 0},
        {"item": 20, "criterion": 1, "flags": 0},
        {"item": 10, "criterion": 1, "flags": 0},
    ]
    assert progress["flagged"] == 2


def test_an_empty_session_has_an_empty_queue():
    from agreement.ranking import discussion_queue

    assert discussion_queue([]) == {
        "decided": 0,
        "total": 0,
        "text": "0 of 0 agreed",
        "flagged": 0,
        "queue": [],
    }
