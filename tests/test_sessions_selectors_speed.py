"""The live snapshot's cost per viewer, and that the faster derivation shows exactly what the
direct one did (the blindness rules themselves are tested in test_sessions_selectors.py and
tests/test_security_*.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions import services
from sessions.models import CalibrationSession
from sessions.selectors import snapshot as snapshots
from sessions.selectors.visibility import ViewerPolicy

from .factories import SessionWorld

pytestmark = pytest.mark.django_db


def revealed_world(**options) -> SessionWorld:
    world = SessionWorld(reviewers=3, interactions=2, **options).start()
    for index, user in enumerate(world.reviewers):
        for item in world.items:
            world.score_all(user, item, (1, 3 + index % 2, index % 3), comment=f"note {index}")
            world.submit(user, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    # A revision: the shared state shows it; a viewer's own ratings never need it.
    services.revision_create(
        session_id=world.session.pk,
        user=world.reviewers[0],
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=5,
    )
    return world


def fresh(world) -> CalibrationSession:
    # As the consumer does on every event: the session row read again.
    return CalibrationSession.objects.get(pk=world.session.pk)


def direct_revealed(shared, policy: ViewerPolicy) -> dict:
    """The per-viewer derivation as it was before the outsider lists (the reference)."""
    revealed = {}
    for item_id, block in shared.revealed.items():
        ratings = {}
        for criterion_id, pairs in block["ratings"].items():
            entries = [
                {
                    "participant": policy.rating_key(p),
                    "label": policy.rating_label(p),
                    **entry,
                    "is_me": policy.is_viewer(p),
                }
                for p, entry in pairs
            ]
            entries.sort(key=lambda e: (not e["is_baseline"], e["label"]))
            ratings[str(criterion_id)] = entries
        revealed[str(item_id)] = {
            "ratings": ratings,
            "ranking": block["ranking"],
            "consensus": block["consensus"],
        }
    return revealed


def test_a_viewers_frame_of_a_built_version_costs_two_queries(django_assert_max_num_queries):
    world = revealed_world()
    reviewer = world.reviewers[0]
    snapshots.session_snapshot(session=fresh(world), user=reviewer)  # builds the version
    session = fresh(world)

    # Who is online, and the viewer's own ratings: nothing else is read per viewer.
    with django_assert_max_num_queries(2):
        frame = snapshots.session_snapshot(session=session, user=reviewer)

    assert len(frame["my_scores"][str(world.items[0].pk)]) == 3


def test_the_own_ratings_query_joins_nothing_for_ordering():
    world = revealed_world()
    snapshots.session_snapshot(session=fresh(world), user=world.reviewers[1])
    session = fresh(world)

    with CaptureQueriesContext(connection) as queries:
        snapshots.session_snapshot(session=session, user=world.reviewers[1])

    score_queries = [q["sql"] for q in queries if "calibration_sessions_score" in q["sql"]]
    assert len(score_queries) == 1
    # Score's default ordering joins the scorecard tables; planning them cost more than the
    # query on every frame of every viewer.
    assert "scorecards_" not in score_queries[0]
    assert "ORDER BY" not in score_queries[0]


@pytest.mark.parametrize("anonymous", [False, True])
def test_every_viewer_gets_what_the_direct_derivation_gives(anonymous):
    world = revealed_world(anonymous=anonymous)
    session = fresh(world)
    shared = snapshots.shared_state(session)

    for user in [world.facilitator, *world.reviewers]:
        frame = snapshots.session_snapshot(session=session, user=user)
        policy = ViewerPolicy.for_viewer(session, user)

        assert frame["revealed"] == direct_revealed(shared, policy)


def test_one_viewers_own_entries_never_show_as_theirs_to_another():
    world = revealed_world()
    session = fresh(world)
    first, second = world.reviewers[0], world.reviewers[1]

    snapshots.session_snapshot(session=session, user=first)  # first viewer: lists are built
    frame = snapshots.session_snapshot(session=session, user=second)

    entries = [
        entry
        for block in frame["revealed"].values()
        for criterion_entries in block["ratings"].values()
        for entry in criterion_entries
    ]
    mine = [entry for entry in entries if entry["is_me"]]
    assert mine and all(entry["label"] == "You" for entry in mine)
    assert all(
        entry["participant"] == world.session.participants.get(user=second).pk for entry in mine
    )
    assert not any(entry["label"] == "You" and not entry["is_me"] for entry in entries)
    assert first.get_full_name() in {entry["label"] for entry in entries}


def test_the_outsider_lists_are_built_once_per_version_and_anonymity():
    world = revealed_world()
    session = fresh(world)
    shared = snapshots.shared_state(session)

    for user in [world.facilitator, *world.reviewers]:
        snapshots.session_snapshot(session=session, user=user)
    built = shared.outsider_ratings[False]
    snapshots.session_snapshot(session=fresh(world), user=world.reviewers[2])

    assert list(shared.outsider_ratings) == [False]
    assert shared.outsider_ratings[False] is built


def test_a_viewers_frame_from_the_shared_state_reads_nothing(django_assert_num_queries):
    world = revealed_world()
    session = fresh(world)
    shared = snapshots.shared_state(session)
    participant = session.participants.get(user=world.reviewers[0])
    mine = snapshots.own_scores(session, participant, world.reviewers[0])
    online = snapshots.online_participants(session)

    # What the live consumer does for each viewer on every change: no query at all.
    with django_assert_num_queries(0):
        frames = [
            snapshots.viewer_frame(
                session=session, shared=shared, user=user, online=online, mine=mine
            )
            for user in [world.facilitator, *world.reviewers]
        ]

    direct = snapshots.session_snapshot(session=session, user=world.reviewers[0])
    ignore = {"session"}  # server_time differs
    assert {k: v for k, v in frames[1].items() if k not in ignore} == {
        k: v for k, v in direct.items() if k not in ignore
    }


def test_a_new_version_without_figures_takes_them_from_the_same_revealed_ratings():
    world = revealed_world()
    snapshots.shared_state(fresh(world))  # figures of these revealed ratings
    before = snapshots.figures_builds
    # A change that leaves the revealed ratings alone (an action item): a new version.
    services.action_item_add(session_id=world.session.pk, actor=world.facilitator, text="Do it")

    shared = snapshots.shared_state(fresh(world), figures=False)

    assert shared.agreement  # reused, not computed again
    assert snapshots.figures_builds == before


def test_a_new_revision_makes_the_figures_pending_until_computed():
    world = revealed_world()
    snapshots.shared_state(fresh(world))
    services.revision_create(
        session_id=world.session.pk,
        user=world.reviewers[1],
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=1,
    )
    session = fresh(world)

    shared = snapshots.shared_state(session, figures=False)
    frame = snapshots.viewer_frame(
        session=session, shared=shared, user=world.reviewers[0], online=set(), mine={}
    )
    assert frame["figures_pending"] is True and frame["agreement"] == {}

    figures = snapshots.shared_figures(shared, session)
    assert figures and snapshots.figures_frame(shared) == {
        "type": "figures",
        "version": shared.version,
        "agreement": figures,
    }


def test_a_version_made_by_submissions_alone_equals_a_full_build(django_assert_max_num_queries):
    world = SessionWorld(reviewers=3, interactions=2).start()
    for user in world.reviewers:
        world.score_all(user, world.items[0], (1, 4, 2))
        world.submit(user, world.items[0])
    services.session_reveal(
        session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
    )
    previous = snapshots.shared_state(fresh(world))
    for user in world.reviewers[:2]:
        world.score_all(user, world.items[1], (0, 2, 1))
        world.submit(user, world.items[1])
    session = fresh(world)

    with django_assert_max_num_queries(1):
        quick = snapshots.shared_state_after_submissions(session, previous)
    snapshots._shared_states.clear()
    full = snapshots.shared_state(session)

    assert quick == full
    assert quick.items[1]["submitted"] == 2 and quick.items[0] == previous.items[0]
    for user in [world.facilitator, *world.reviewers]:
        frames = [
            snapshots.viewer_frame(session=session, shared=shared, user=user, online=set(), mine={})
            for shared in (quick, full)
        ]
        assert frames[0]["participants"] == frames[1]["participants"]
        assert frames[0]["me"] == frames[1]["me"]
