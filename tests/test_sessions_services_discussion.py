"""Reviewers' flags and the discussion's time box (issue 10): sessions.services.discussion."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions import services
from sessions.models import CalibrationSession, DiscussionFlag, DiscussionTimebox

from .factories import SessionWorld, UserFactory

pytestmark = pytest.mark.django_db


def version_of(world):
    return CalibrationSession.objects.get(pk=world.session.pk).version


def flag(world, user, item=None, criterion=None, flagged=True):
    return services.discussion_flag_set(
        session_id=world.session.pk,
        user=user,
        item_id=(item or world.items[0]).pk,
        criterion_id=(criterion or world.numeric).pk,
        flagged=flagged,
    )


def revealed_world():
    world = SessionWorld(reviewers=2).start()
    for user in world.reviewers:
        world.score_all(user, world.items[0], (1, 3, 2))
        world.submit(user, world.items[0])
    services.session_reveal(
        session_id=world.session.pk, actor=world.facilitator, item_id=world.items[0].pk
    )
    return world


# --- flags ------------------------------------------------------------------------------


def test_a_reviewer_flags_a_criterion_before_the_reveal_and_everyone_is_told():
    world = SessionWorld(reviewers=2).start()
    before = version_of(world)

    assert flag(world, world.reviewers[0]) is True

    stored = DiscussionFlag.objects.get()
    assert (stored.participant.user, stored.item, stored.criterion) == (
        world.reviewers[0],
        world.items[0],
        world.numeric,
    )
    assert version_of(world) == before + 1


def test_flagging_twice_keeps_one_flag_and_changes_nothing_the_second_time():
    world = SessionWorld(reviewers=1).start()
    flag(world, world.reviewers[0])
    before = version_of(world)

    flag(world, world.reviewers[0])

    assert DiscussionFlag.objects.count() == 1
    assert version_of(world) == before


def test_unflagging_removes_only_that_reviewers_flag():
    world = revealed_world()
    flag(world, world.reviewers[0])
    flag(world, world.reviewers[1])

    assert flag(world, world.reviewers[0], flagged=False) is False

    assert list(DiscussionFlag.objects.values_list("participant__user", flat=True)) == [
        world.reviewers[1].pk
    ]


def test_the_facilitator_who_does_not_rate_cannot_flag():
    world = SessionWorld(reviewers=1).start()

    with pytest.raises(services.SessionPermissionError):
        flag(world, world.facilitator)

    assert not DiscussionFlag.objects.exists()


def test_a_stranger_cannot_flag():
    world = SessionWorld(reviewers=1).start()

    with pytest.raises(services.SessionPermissionError):
        flag(world, UserFactory())


def test_a_flag_on_another_sessions_interaction_or_criterion_is_refused():
    world = SessionWorld(reviewers=1).start()
    other = SessionWorld(reviewers=1)

    with pytest.raises(services.SessionError, match="not part of this session"):
        flag(world, world.reviewers[0], item=other.items[0])
    with pytest.raises(services.SessionError, match="not part of this session"):
        flag(world, world.reviewers[0], criterion=other.numeric)

    assert not DiscussionFlag.objects.exists()


def test_no_flags_once_the_session_is_closed():
    world = revealed_world()
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    services.session_close(
        session_id=world.session.pk, actor=world.facilitator, confirm_undecided=True
    )

    with pytest.raises(services.SessionError):
        flag(world, world.reviewers[0])


# --- time box ---------------------------------------------------------------------------


def start_timebox(world, minutes=3, criterion=None, actor=None, item=None):
    return services.discussion_timebox_start(
        session_id=world.session.pk,
        actor=actor or world.facilitator,
        item_id=(item or world.items[0]).pk,
        criterion_id=(criterion or world.numeric).pk,
        minutes=minutes,
    )


def test_the_facilitator_starts_a_time_box_whose_start_is_stored():
    world = revealed_world()
    before = version_of(world)

    timebox = start_timebox(world, minutes=4)

    stored = DiscussionTimebox.objects.get(session=world.session)
    assert (stored.item, stored.criterion, stored.minutes) == (world.items[0], world.numeric, 4)
    assert abs(stored.started_at - timezone.now()) < timedelta(seconds=5)
    assert timebox.ends_at == stored.started_at + timedelta(minutes=4)
    assert version_of(world) == before + 1


def test_a_new_time_box_replaces_the_current_one():
    world = revealed_world()
    start_timebox(world, minutes=4)

    start_timebox(world, minutes=2, criterion=world.labels)

    stored = DiscussionTimebox.objects.get()
    assert (stored.criterion, stored.minutes) == (world.labels, 2)


@pytest.mark.parametrize("minutes", [0, -1, 61, True, "5", 2.5, None])
def test_a_time_box_outside_one_to_sixty_minutes_is_refused(minutes):
    world = revealed_world()

    with pytest.raises(services.SessionError, match="1 to 60 minutes"):
        start_timebox(world, minutes=minutes)

    assert not DiscussionTimebox.objects.exists()


def test_only_the_facilitator_starts_a_time_box_and_only_after_the_reveal():
    world = revealed_world()

    with pytest.raises(services.SessionPermissionError):
        start_timebox(world, actor=world.reviewers[0])
    with pytest.raises(services.SessionError, match="after the reveal"):
        start_timebox(world, item=world.items[1])

    assert not DiscussionTimebox.objects.exists()


def test_stopping_the_time_box_removes_it_and_stopping_none_changes_nothing():
    world = revealed_world()
    start_timebox(world)

    services.discussion_timebox_stop(session_id=world.session.pk, actor=world.facilitator)
    before = version_of(world)
    services.discussion_timebox_stop(session_id=world.session.pk, actor=world.facilitator)

    assert not DiscussionTimebox.objects.exists()
    assert version_of(world) == before
