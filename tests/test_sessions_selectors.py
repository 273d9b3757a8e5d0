import json

import pytest

from agreement import FIGURES_HELP, format_alpha, format_interval
from agreement.display import format_shares
from sessions import selectors, services
from sessions.models import UnsubmittedPolicy
from sessions.selectors import snapshot as snapshot_module
from teams.models import Role

from .factories import MembershipFactory, SessionWorld, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "SECRET-COMMENT"


def scored_world(**options):
    world = SessionWorld(**options).start()
    world.score_all(world.reviewers[0], world.items[0], (1, 4, 2), comment=f"{SECRET}-A")
    world.score_all(world.reviewers[1], world.items[0], (0, 2, 0), comment=f"{SECRET}-B")
    world.submit(world.reviewers[0], world.items[0])
    world.submit(world.reviewers[1], world.items[0])
    return world


def authors(queryset):
    return {score.participant.user_id for score in queryset}


def test_before_the_reveal_a_reviewer_sees_only_their_own_scores():
    world = scored_world()

    visible = selectors.visible_scores(session=world.session, viewer=world.reviewers[0])

    assert authors(visible) == {world.reviewers[0].pk}


def test_before_the_reveal_the_facilitator_sees_no_scores():
    world = scored_world()

    visible = selectors.visible_scores(session=world.session, viewer=world.facilitator)

    assert authors(visible) == set()


def test_before_the_reveal_a_manager_outside_the_session_sees_no_scores():
    world = scored_world()
    manager = UserFactory()
    MembershipFactory(team=world.team, user=manager, role=Role.MANAGER)

    visible = selectors.visible_scores(session=world.session, viewer=manager)

    assert authors(visible) == set()


def test_after_revealing_one_interaction_only_that_one_is_visible():
    world = scored_world()
    world.score_all(world.reviewers[1], world.items[1], (1, 5, 2), comment="hidden still")
    services.session_reveal(
        session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
    )

    visible = selectors.visible_scores(session=world.session, viewer=world.facilitator)

    assert {score.item_id for score in visible} == {world.items[0].pk}
    assert authors(visible) == {world.reviewers[0].pk, world.reviewers[1].pk}


def test_excluded_drafts_stay_hidden_after_the_reveal():
    world = scored_world()
    late = world.reviewers[2]
    world.score_all(late, world.items[0], (1, 1, 1), comment="draft only")
    services.session_reveal(
        session_id=world.session.pk,
        actor=world.facilitator,
        unsubmitted_policy=UnsubmittedPolicy.EXCLUDE,
    )

    visible = selectors.visible_scores(session=world.session, viewer=world.facilitator)

    assert late.pk not in authors(visible)


def test_snapshot_before_the_reveal_holds_no_one_elses_values():
    world = scored_world()

    for viewer in (world.facilitator, world.reviewers[1], world.reviewers[2]):
        snapshot = selectors.session_snapshot(session=world.session, user=viewer)
        text = json.dumps(snapshot)
        assert f"{SECRET}-A" not in text
        assert snapshot["revealed"] == {}


def test_snapshot_after_an_anonymous_reveal_hides_names():
    world = scored_world(anonymous=True)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    snapshot = selectors.session_snapshot(session=world.session, user=world.facilitator)

    ratings = snapshot["revealed"][str(world.items[0].pk)]["ratings"][str(world.numeric.pk)]
    labels = {r["label"] for r in ratings}
    assert len(labels) == 2 and labels <= {"Reviewer A", "Reviewer B", "Reviewer C"}
    text = json.dumps(snapshot["revealed"])
    for reviewer in world.reviewers:
        assert reviewer.last_name not in text


def test_snapshot_ranks_the_critical_pass_fail_split_first():
    world = scored_world()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    snapshot = selectors.session_snapshot(session=world.session, user=world.reviewers[0])

    ranking = snapshot["revealed"][str(world.items[0].pk)]["ranking"]
    assert ranking[0]["criterion"] == world.binary.pk
    assert ranking[0]["critical_flip"] is True
    assert snapshot["session_ranking"][0]["criterion"] == world.binary.pk


def test_ratings_table_before_the_reveal_contains_only_the_viewers_rows():
    world = scored_world()

    mine = selectors.ratings_table(session=world.session, user=world.reviewers[0])
    facilitator_rows = selectors.ratings_table(session=world.session, user=world.facilitator)

    assert {row["comment"] for row in mine} == {f"{SECRET}-A"}
    assert facilitator_rows == []


def _revealed_world(reviewers, interactions):
    world = SessionWorld(reviewers=reviewers, interactions=interactions).start()
    for reviewer in world.reviewers:
        for item in world.items:
            world.score_all(reviewer, item, (1, 3, 2), comment="c")
            world.submit(reviewer, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    return world


def test_snapshot_query_count_does_not_grow_with_reviewers_or_interactions():
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for reviewers, interactions in ((2, 1), (8, 6)):
        world = _revealed_world(reviewers, interactions)
        cache.clear()  # count the uncached agreement figures too
        with CaptureQueriesContext(connection) as queries:
            selectors.session_snapshot(session=world.session, user=world.facilitator)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 20


def test_snapshot_of_a_large_session_stays_within_a_fixed_query_budget(
    django_assert_max_num_queries,
):
    world = _revealed_world(8, 6)
    selectors.session_snapshot(session=world.session, user=world.facilitator)  # warm the cache

    with django_assert_max_num_queries(12):
        selectors.session_snapshot(session=world.session, user=world.reviewers[0])


def test_anonymous_snapshot_does_not_link_ratings_to_named_participants():
    world = scored_world(anonymous=True)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    snapshot = selectors.session_snapshot(session=world.session, user=world.facilitator)

    participant_ids = {p["id"] for p in snapshot["participants"]}
    for ratings in snapshot["revealed"][str(world.items[0].pk)]["ratings"].values():
        for entry in ratings:
            assert entry["participant"] not in participant_ids
            assert entry["participant"].startswith("Reviewer ")


def test_a_late_joiner_is_not_counted_for_interactions_revealed_before_they_came():
    world = scored_world()
    services.session_reveal(
        session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
    )
    newcomer = UserFactory()
    MembershipFactory(team=world.team, user=newcomer, role=Role.REVIEWER)
    services.session_join(join_code=world.session.join_code, user=newcomer)

    snapshot = selectors.session_snapshot(session=world.session, user=world.facilitator)

    first, second = snapshot["items"]
    assert (first["submitted"], first["total"]) == (2, 3)
    assert second["total"] == 4


def test_anonymous_aliases_are_dealt_at_random_at_the_first_reveal():
    orders = set()
    for _ in range(6):
        world = scored_world(anonymous=True)
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
        orders.add(
            tuple(
                world.session.participants.filter(role="reviewer")
                .order_by("id")
                .values_list("alias", flat=True)
            )
        )

    assert len(orders) > 1  # 6 sessions of 3 reviewers: one fixed order is 1 chance in 7,776


def test_anonymous_summary_lists_names_without_aliases_and_excluded_as_a_count():
    world = scored_world(anonymous=True)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    summary = selectors.session_summary(session=world.session, user=world.facilitator)
    snapshot = selectors.session_snapshot(session=world.session, user=world.facilitator)

    assert all(person["alias"] == "" for person in summary["participants"])
    assert snapshot["items"][0]["excluded"] == ["1 reviewer"]


def test_anonymous_snapshot_lists_people_in_an_order_unrelated_to_their_aliases():
    orders_match = 0
    for _ in range(5):
        world = scored_world(anonymous=True)
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
        snapshot = selectors.session_snapshot(session=world.session, user=world.facilitator)
        named = [p["id"] for p in snapshot["participants"] if p["scores"]]
        by_alias = list(
            world.session.participants.filter(role="reviewer")
            .order_by("alias")
            .values_list("id", flat=True)
        )
        orders_match += named == by_alias

    assert orders_match < 5  # sorted by alias every time would give the letters away


def test_anonymous_snapshot_drops_progress_marks_of_revealed_interactions():
    world = scored_world(anonymous=True)  # reviewer 2 never submitted interaction 1
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    snapshot = selectors.session_snapshot(session=world.session, user=world.facilitator)

    assert all(p["submitted"] == [] for p in snapshot["participants"])


def test_snapshot_sends_each_figure_formatted_with_its_verdict():
    """The browser shows the server's figures as they come: the rounding and the reading
    thresholds live only in agreement/ (a change there must show here)."""
    world = SessionWorld().start()
    for reviewer, values in zip(world.reviewers, [(1, 4, 2), (1, 3, 2), (0, 2, 1)], strict=True):
        for item in world.items:
            world.score_all(reviewer, item, values)
            world.submit(reviewer, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    snapshot = selectors.session_snapshot(session=world.session, user=world.reviewers[0])

    blocks = [
        *snapshot["agreement"]["criteria"].values(),
        *snapshot["agreement"]["interactions"].values(),
        *snapshot["agreement"]["session"].values(),
    ]
    assert blocks
    for block in blocks:
        assert block["alpha_text"] == format_alpha(block["alpha"], block["verdict"])
        assert block["ci_text"] == format_interval(block["ci"])
    rows = [*snapshot["session_ranking"]]
    for revealed in snapshot["revealed"].values():
        rows += revealed["ranking"]
    for row in rows:
        expected = None if row["disagreement"] is None else f"{row['disagreement']:.2f}"
        assert row["disagreement_text"] == expected
    for revealed in snapshot["revealed"].values():
        for row in revealed["ranking"]:
            assert row["distribution_shares"] == format_shares(row["distribution"])
            assert set(row["distribution_shares"]) == set(row["distribution"])
    assert snapshot["figures_help"] == FIGURES_HELP


# --- the shared state: computed once per change, not once per viewer ------------------------


def revealed_world_with_three_reviewers():
    world = SessionWorld().start()
    for reviewer, values in zip(world.reviewers, [(1, 4, 2), (1, 3, 2), (0, 2, 1)], strict=True):
        for item in world.items:
            world.score_all(reviewer, item, values, comment=f"{SECRET}-{reviewer.pk}")
            world.submit(reviewer, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    world.session.refresh_from_db()
    return world


def test_shared_state_is_built_once_per_version_whoever_watches():
    world = revealed_world_with_three_reviewers()
    before = snapshot_module.shared_state_builds

    for viewer in [world.facilitator, *world.reviewers]:
        selectors.session_snapshot(session=world.session, user=viewer)

    assert snapshot_module.shared_state_builds == before + 1


def test_a_change_bumps_the_version_and_the_next_snapshot_sees_it():
    world = revealed_world_with_three_reviewers()
    first = selectors.session_snapshot(session=world.session, user=world.reviewers[0])

    services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=3,
        note="Middle ground",
    )
    world.session.refresh_from_db()
    second = selectors.session_snapshot(session=world.session, user=world.reviewers[0])

    assert second["version"] == first["version"] + 1
    consensus = second["revealed"][str(world.items[0].pk)]["consensus"]
    assert consensus[str(world.numeric.pk)]["note"] == "Middle ground"


def test_presence_changes_do_not_bump_the_version():
    world = revealed_world_with_three_reviewers()
    version = world.session.version

    services.connection_open(
        session_id=world.session.pk, user=world.reviewers[0], channel_name="test.presence"
    )
    services.connection_close(session_id=world.session.pk, channel_name="test.presence")

    world.session.refresh_from_db()
    assert world.session.version == version


def test_each_further_viewer_costs_a_few_queries_and_no_statistics(
    django_assert_max_num_queries, monkeypatch
):
    world = revealed_world_with_three_reviewers()
    selectors.session_snapshot(session=world.session, user=world.facilitator)
    monkeypatch.setattr(
        snapshot_module,
        "live_agreement",
        lambda **kwargs: pytest.fail("statistics recomputed for a second viewer"),
    )

    with django_assert_max_num_queries(3):
        frame = selectors.session_snapshot(session=world.session, user=world.reviewers[1])

    assert frame["agreement"]["criteria"]
    assert {
        e["label"] for r in frame["revealed"].values() for e in r["ratings"][str(world.numeric.pk)]
    } >= {"You"}


def test_the_shared_state_never_holds_unrevealed_ratings():
    world = scored_world()

    state = snapshot_module.shared_state(world.session)

    assert state.revealed == {}
    assert SECRET not in repr(state)
    mine = selectors.session_snapshot(session=world.session, user=world.reviewers[0])
    assert mine["my_scores"]  # the author still sees their own drafts, read apart


def test_snapshot_shows_agreement_after_the_reveal():
    world = revealed_world_with_three_reviewers()

    snapshot = selectors.session_snapshot(session=world.session, user=world.reviewers[0])

    block = snapshot["agreement"]["criteria"][str(world.numeric.pk)]
    assert block["level"] == "ordinal"
    assert block["reading"]


def _small_and_large(interactions):
    world = SessionWorld(interactions=interactions).start()
    patterns = [(1, 4, 2), (1, 3, 2), (0, 2, 1), (1, 4, 1), (0, 1, 0), (1, 5, 2)]
    for reviewer_index, reviewer in enumerate(world.reviewers):
        for index, item in enumerate(world.items):
            world.score_all(reviewer, item, patterns[(index + reviewer_index) % len(patterns)])
            world.submit(reviewer, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    return world, selectors.session_snapshot(session=world.session, user=world.facilitator)


def test_a_two_interaction_session_sends_no_per_criterion_alpha_only_words():
    world, snapshot = _small_and_large(2)

    criteria = snapshot["agreement"]["criteria"]
    assert set(criteria) == {str(c.pk) for c in world.criteria}
    for block in criteria.values():
        assert block["alpha"] is None and block["alpha_text"] is None
        assert block["verdict"] == "undefined"
        assert block["reading"].startswith("2 revealed interactions: too few")
        assert "Same answer" in block["reading"]
    # no reading or colour without an interval anywhere on the live screens
    for block in [*snapshot["agreement"]["interactions"].values()]:
        assert block["ci_text"] is None and block["verdict"] == "undefined"
        assert "Not yet calibrated" not in block["reading"]


def test_a_large_session_sends_each_criterion_alpha_with_its_interval_and_reading():
    _world, snapshot = _small_and_large(6)

    for block in snapshot["agreement"]["criteria"].values():
        assert block["enough_data"] is True
        assert block["alpha_text"] is not None and block["ci_text"] is not None
        assert block["verdict"] in {"reliable", "tentative", "not_calibrated"}


def test_the_snapshot_counts_decided_criteria_and_queues_the_undecided_by_disagreement():
    world = revealed_world_with_three_reviewers()
    first = world.items[0]
    services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=first.pk,
        criterion_id=world.numeric.pk,
        value=3,
    )
    services.consensus_save(  # a note without a rating is not a decision
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=first.pk,
        criterion_id=world.labels.pk,
        note="still talking",
    )

    snapshot = selectors.session_snapshot(session=world.session, user=world.reviewers[0])

    progress = snapshot["consensus_progress"]
    assert progress["text"] == "1 of 6 agreed"
    assert len(progress["queue"]) == 5
    assert (first.pk, world.numeric.pk) not in [
        (e["item"], e["criterion"]) for e in progress["queue"]
    ]
    assert progress["queue"][0]["criterion"] == world.binary.pk  # the critical split


def test_the_summary_groups_undecided_criteria_apart_from_the_agreed_ones():
    world = revealed_world_with_three_reviewers()
    first = world.items[0]
    services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=first.pk,
        criterion_id=world.numeric.pk,
        value=3,
    )
    services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=first.pk,
        criterion_id=world.labels.pk,
        note="still talking",
    )
    services.session_close(session_id=world.session.pk, actor=world.facilitator)

    summary = selectors.session_summary(session=world.session, user=world.facilitator)

    entry = summary["outcome"][0]
    assert [row["criterion"] for row in entry["rows"]] == [world.numeric]
    assert [row["criterion"] for row in entry["undecided"]] == [world.binary, world.labels]
    assert entry["undecided"][1]["note"] == "still talking"
    assert summary["outcome_counts"] == {"decided": 1, "undecided": 5, "total": 6}


def test_ranking_rows_say_whether_everyone_gave_the_same_answer():
    world = SessionWorld(interactions=1).start()
    for reviewer, values in zip(world.reviewers, [(1, 4, 2), (1, 3, 2), (1, 2, 1)], strict=True):
        world.score_all(reviewer, world.items[0], values)
        world.submit(reviewer, world.items[0])
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    snapshot = selectors.session_snapshot(session=world.session, user=world.facilitator)

    rows = snapshot["revealed"][str(world.items[0].pk)]["ranking"]
    assert {row["criterion"]: row["unanimous"] for row in rows} == {
        world.binary.pk: True,
        world.numeric.pk: False,
        world.labels.pk: False,
    }
