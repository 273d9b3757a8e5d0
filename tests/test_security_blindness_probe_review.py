"""Blindness of criterion review answers, probed from outside like the scoring probe
(test_security_blindness_probe): every page, download, report and admin page of a review
fetched as every role, before and after one criterion is revealed, searched for answers the
viewer may not see.

Every answering participant writes, on every criterion, a comment and a proposed wording that
carry a unique marker (author × item): a marker found where it must not be is a leaked answer.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sessions.services import reviewing
from teams.models import Role

from .factories import MembershipFactory, TeamFactory, UserFactory
from .review_builders import ReviewWorld
from .test_security_blindness_probe import fetch_all, session_urls

pytestmark = pytest.mark.django_db

MARKER = re.compile(r"RVW(\d+)X(\d+)Q")


def marker(user, item) -> str:
    return f"RVW{user.pk}X{item.pk}Q"


def build(*, anonymous: bool):
    """Two reviewers and the facilitator answer every criterion; nothing is revealed yet."""
    world = ReviewWorld(reviewers=2, anonymous=anonymous, facilitator_answers=True).start()
    team = world.team
    non_participant = UserFactory(username=f"rnp{team.pk}")
    manager = UserFactory(username=f"rmg{team.pk}")
    MembershipFactory(team=team, user=non_participant, role=Role.REVIEWER)
    MembershipFactory(team=team, user=manager, role=Role.MANAGER)
    outsider = UserFactory(username=f"rout{team.pk}")
    MembershipFactory(team=TeamFactory(), user=outsider, role=Role.ADMIN)
    answering = [*world.reviewers, world.facilitator]
    for user in answering:
        for item in world.items:
            world.answer(
                user,
                item,
                proposal="change",
                comment=marker(user, item),
                new_wording=f"wording {marker(user, item)}",
            )
    viewers = {
        "anonymous": None,
        "outsider": outsider,
        "non_participant": non_participant,
        "reviewer": world.reviewers[0],
        "other_reviewer": world.reviewers[1],
        "facilitator": world.facilitator,
        "manager": manager,
    }
    superuser = UserFactory(username=f"rroot{team.pk}", is_staff=True, is_superuser=True)
    return world, answering, viewers, superuser


def allowed(world, answering, viewer, *, revealed: bool) -> set[tuple[int, int]]:
    """A team member's own answers, plus everyone's on the revealed criterion; nothing for
    someone outside the team."""
    if viewer is None or not world.team.memberships.filter(user=viewer).exists():
        return set()
    own = {(viewer.pk, item.pk) for item in world.items}
    if not revealed:
        return own
    return own | {(user.pk, world.items[0].pk) for user in answering}


def leaks(pages: dict[str, str], allowed_pairs: set) -> list[str]:
    found = []
    for url, text in pages.items():
        pairs = {(int(user), int(item)) for user, item in MARKER.findall(text)}
        found += [
            f"{url}: answer of user {u} on item {i}" for u, i in sorted(pairs - allowed_pairs)
        ]
    return found


def review_urls(world) -> list[str]:
    return [
        *session_urls(world.session),
        reverse("sessions:review_create"),
        f"{reverse('sessions:review_create')}?scorecard={world.version.scorecard_id}",
    ]


def admin_urls(world) -> list[str]:
    from sessions.models import ReviewAnswer, ReviewItem

    urls = [
        "/admin/calibration_sessions/calibrationsession/",
        f"/admin/calibration_sessions/calibrationsession/{world.session.pk}/change/",
        "/admin/calibration_sessions/participant/",
        "/admin/calibration_sessions/reviewanswer/",
        "/admin/calibration_sessions/reviewitem/",
        "/admin/admin/logentry/",
    ]
    urls += [
        f"/admin/calibration_sessions/reviewanswer/{a.pk}/change/"
        for a in ReviewAnswer.objects.all()
    ]
    urls += [
        f"/admin/calibration_sessions/reviewitem/{i.pk}/change/" for i in ReviewItem.objects.all()
    ]
    return urls


@pytest.fixture
def client(client):
    # A page that fails is probed as its error page (what a person would get), not raised.
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("revealed", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_every_role_sees_only_the_review_answers_it_may(client, revealed, anonymous):
    world, answering, viewers, _ = build(anonymous=anonymous)
    if revealed:
        world.reveal(world.items[0])
    urls = review_urls(world)
    found = []

    for role, viewer in viewers.items():
        pages = fetch_all(client, viewer, urls)
        permitted = allowed(world, answering, viewer, revealed=revealed)
        found += [f"{role}: {line}" for line in leaks(pages, permitted)]
        if viewer in answering:
            # The probe sees what it looks for: your own answer is on your page.
            own = marker(viewer, world.items[1])
            assert any(own in page for page in pages.values()), f"{role} lost their answer"
        if revealed and role in ("reviewer", "facilitator", "manager"):
            room_or_summary = pages[reverse("sessions:summary", args=[world.session.pk])]
            others = marker(world.reviewers[1], world.items[0])
            assert others in room_or_summary, f"{role} misses a revealed answer"

    assert not found, "\n".join(found)


def test_after_the_close_only_revealed_answers_appear_anywhere(client):
    world, answering, viewers, _ = build(anonymous=False)
    world.reveal(world.items[0])
    reviewing.review_close(session_id=world.session.pk, actor=world.facilitator)
    urls = [*review_urls(world), reverse("scorecards:detail", args=[world.version.scorecard_id])]
    found = []
    for role, viewer in viewers.items():
        pages = fetch_all(client, viewer, urls)
        permitted = allowed(world, answering, viewer, revealed=True)
        found += [f"{role}: {line}" for line in leaks(pages, permitted)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("revealed", [False, True], ids=["before", "after"])
def test_a_superuser_in_the_admin_sees_no_blind_answer(client, revealed):
    world, answering, _, superuser = build(anonymous=False)
    if revealed:
        world.reveal(world.items[0])
    pages = fetch_all(client, superuser, admin_urls(world))
    # The superuser answered nothing: the visibility rule gives them revealed answers only.
    permitted = {(u.pk, world.items[0].pk) for u in answering} if revealed else set()
    assert leaks(pages, permitted) == []
    # The probe sees what it looks for: revealed answers are listed there.
    shown = {(int(u), int(i)) for page in pages.values() for u, i in MARKER.findall(page)}
    assert shown == permitted


def test_refusals_never_echo_another_persons_answer():
    world, _, _, _ = build(anonymous=False)
    reviewer = world.reviewers[0]
    foreign = ReviewWorld(reviewers=1).start()
    foreign.answer(foreign.reviewers[0], foreign.items[0], comment="FOREIGN-SECRET")
    messages = []
    for call in (
        lambda: reviewing.review_answer_save(
            session_id=world.session.pk, user=reviewer, item_id=foreign.items[0].pk
        ),
        lambda: reviewing.review_answer_save(
            session_id=foreign.session.pk, user=reviewer, item_id=foreign.items[0].pk
        ),
        lambda: reviewing.review_reveal(
            session_id=world.session.pk, actor=reviewer, item_id=world.items[0].pk
        ),
        lambda: reviewing.review_decide(
            session_id=world.session.pk,
            actor=world.facilitator,
            item_id=world.items[1].pk,
            decision="keep",
            rationale="x",
        ),
    ):
        with pytest.raises(reviewing.SessionError) as refused:
            call()
        messages.append(str(refused.value))
    text = "\n".join(messages)
    assert not MARKER.search(text) and "FOREIGN-SECRET" not in text
