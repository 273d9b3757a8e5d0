"""The live session over websockets, driven through the real ASGI application."""

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from sessions import selectors, services
from sessions.models import (
    CONNECTION_EXPIRY,
    CalibrationSession,
    Connection,
    Consensus,
    Score,
    SessionStatus,
    Transition,
)
from teams.models import Role

from .factories import MembershipFactory, UserFactory
from .live_socket import connect, drain, is_type, make_world, receive_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def save(
    communicator, world, item, criterion, value, *, ref="r1", comment="", ts=1, na=False
):
    await communicator.send_json_to(
        {
            "type": "score.save",
            "ref": ref,
            "item": item.pk,
            "criterion": criterion.pk,
            "value": value,
            "na": na,
            "comment": comment,
            "ts": ts,
        }
    )
    return await receive_until(communicator, lambda f: f.get("ref") == ref)


async def test_anonymous_connection_is_refused():
    world = await make_world()

    _, connected, code = await connect(None, world.session)

    assert not connected
    assert code == 4401


async def test_cross_origin_connection_is_refused():
    world = await make_world()

    _, connected, _ = await connect(
        world.reviewers[0], world.session, origin=(b"origin", b"http://evil.example")
    )

    assert not connected


async def test_team_member_who_is_not_a_participant_is_refused():
    world = await make_world()
    outsider = await sync_to_async(UserFactory)()
    await sync_to_async(MembershipFactory)(team=world.team, user=outsider, role=Role.REVIEWER)

    _, connected, code = await connect(outsider, world.session)

    assert not connected
    assert code == 4403


async def test_join_sends_a_snapshot_with_presence():
    world = await make_world()

    communicator, connected, _ = await connect(world.reviewers[0], world.session)
    snapshot = await receive_until(communicator, is_type("snapshot"))

    assert connected
    assert snapshot["session"]["status"] == SessionStatus.SCORING
    me = next(p for p in snapshot["participants"] if p["name"] == "You")
    assert me["online"] is True
    await communicator.disconnect()


async def test_presence_updates_when_someone_connects_and_leaves():
    world = await make_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)
    snapshot = await receive_until(facilitator, is_type("snapshot"))
    reviewer_id = next(p["id"] for p in snapshot["participants"] if p["name"].startswith("Rev0"))

    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    # A small frame of who is online: nothing is rebuilt for a coming or going.
    online = await receive_until(
        facilitator, lambda f: f.get("type") == "presence" and reviewer_id in f["online"]
    )
    await reviewer.disconnect()
    offline = await receive_until(
        facilitator, lambda f: f.get("type") == "presence" and reviewer_id not in f["online"]
    )

    assert set(online) == set(offline) == {"type", "online"}
    await facilitator.disconnect()


async def test_a_snapshot_after_a_change_shows_who_is_online():
    world = await make_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)
    await receive_until(facilitator, is_type("snapshot"))
    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    await receive_until(facilitator, is_type("presence"))

    await sync_to_async(world.score_all)(world.reviewers[1], world.items[0], (1, 4, 2))
    await sync_to_async(world.submit)(world.reviewers[1], world.items[0])
    frame = await receive_until(facilitator, is_type("snapshot"))

    online = {p["name"][:4] for p in frame["participants"] if p["online"]}
    assert online == {"You", "Rev0"}
    await reviewer.disconnect()
    await facilitator.disconnect()


async def test_score_save_is_acknowledged_and_stored():
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    ack = await save(communicator, world, world.items[0], world.numeric, 4, comment="Kind")

    assert ack["type"] == "ack" and ack["applied"] is True
    score = await sync_to_async(Score.objects.get)()
    assert (score.value, score.comment) == (4, "Kind")
    await communicator.disconnect()


async def test_resending_an_unacknowledged_change_is_idempotent():
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    await save(communicator, world, world.items[0], world.numeric, 4, ref="a", ts=100)
    await save(communicator, world, world.items[0], world.numeric, 4, ref="b", ts=100)
    stale = await save(communicator, world, world.items[0], world.numeric, 2, ref="c", ts=50)

    assert stale["applied"] is False
    assert await sync_to_async(Score.objects.count)() == 1
    assert (await sync_to_async(Score.objects.get)()).value == 4
    await communicator.disconnect()


async def test_drafts_survive_a_reconnect_in_the_snapshot():
    world = await make_world()
    first, _, _ = await connect(world.reviewers[0], world.session)
    await save(first, world, world.items[0], world.numeric, 5, comment="Great tone")
    await first.disconnect()

    second, _, _ = await connect(world.reviewers[0], world.session)
    snapshot = await receive_until(second, is_type("snapshot"))

    mine = snapshot["my_scores"][str(world.items[0].pk)][str(world.numeric.pk)]
    assert (mine["value"], mine["comment"]) == (5, "Great tone")
    await second.disconnect()


async def test_before_the_reveal_no_frame_carries_another_reviewers_values():
    world = await make_world()
    author, _, _ = await connect(world.reviewers[0], world.session)
    facilitator, _, _ = await connect(world.facilitator, world.session)
    peer, _, _ = await connect(world.reviewers[1], world.session)
    await save(author, world, world.items[0], world.numeric, 4, comment="SECRET-COMMENT-42")
    await author.send_json_to({"type": "sync", "ref": "s"})
    await sync_to_async(world.score_all)(
        world.reviewers[0], world.items[0], (1, 4, 2), comment="SECRET-COMMENT-42"
    )
    await author.send_json_to({"type": "submit", "ref": "sub", "item": world.items[0].pk})
    await peer.send_json_to({"type": "sync", "ref": "s2"})
    await facilitator.send_json_to({"type": "sync", "ref": "s3"})

    frames = await drain(facilitator) + await drain(peer)

    assert frames
    for frame in frames:
        assert "SECRET-COMMENT-42" not in json.dumps(frame)
        assert frame.get("my_scores", {}) == {} or frame["type"] != "snapshot"
        assert frame.get("revealed", {}) == {}
    for communicator in (author, facilitator, peer):
        await communicator.disconnect()


async def test_progress_is_visible_without_values():
    world = await make_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)
    await receive_until(facilitator, is_type("snapshot"))
    await sync_to_async(world.score_all)(world.reviewers[0], world.items[0], (1, 4, 2))
    await sync_to_async(world.submit)(world.reviewers[0], world.items[0])

    snapshot = await receive_until(
        facilitator,
        lambda f: f.get("type") == "snapshot" and f["items"][0]["submitted"] == 1,
    )

    assert snapshot["items"][0]["total"] == 3
    assert snapshot["my_scores"] == {}
    await facilitator.disconnect()


async def test_reveal_reaches_every_client_and_a_late_joiner_gets_it_too():
    world = await make_world()
    await sync_to_async(world.score_all)(world.reviewers[0], world.items[0], (1, 4, 2), "fine")
    await sync_to_async(world.submit)(world.reviewers[0], world.items[0])
    facilitator, _, _ = await connect(world.facilitator, world.session)
    reviewer, _, _ = await connect(world.reviewers[1], world.session)
    await drain(facilitator)
    await drain(reviewer)

    await facilitator.send_json_to({"type": "reveal", "ref": "rev", "policy": "exclude"})
    revealed = await receive_until(
        reviewer, lambda f: f.get("type") == "snapshot" and f["revealed"]
    )
    late, _, _ = await connect(world.reviewers[2], world.session)
    late_snapshot = await receive_until(late, is_type("snapshot"))

    for snapshot in (revealed, late_snapshot):
        ratings = snapshot["revealed"][str(world.items[0].pk)]["ratings"][str(world.numeric.pk)]
        assert [(r["value"], r["comment"]) for r in ratings] == [(4, "fine")]
        assert snapshot["session"]["status"] == SessionStatus.REVEALED
    assert revealed["revealed"][str(world.items[0].pk)]["ranking"]
    for communicator in (facilitator, reviewer, late):
        await communicator.disconnect()


async def test_two_facilitator_reveals_at_once_reveal_once():
    world = await make_world()
    first, _, _ = await connect(world.facilitator, world.session)
    second, _, _ = await connect(world.facilitator, world.session)

    await asyncio.gather(
        first.send_json_to({"type": "reveal", "ref": "one"}),
        second.send_json_to({"type": "reveal", "ref": "two"}),
    )
    acks = [
        await receive_until(first, lambda f: f.get("ref") == "one"),
        await receive_until(second, lambda f: f.get("ref") == "two"),
    ]

    assert [ack["type"] for ack in acks] == ["ack", "ack"]
    count = await sync_to_async(
        Transition.objects.filter(session=world.session, to_status="revealed").count
    )()
    assert count == 1
    await first.disconnect()
    await second.disconnect()


async def test_reviewer_cannot_reveal_and_gets_an_error_frame():
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    await communicator.send_json_to({"type": "reveal", "ref": "x"})
    frame = await receive_until(communicator, lambda f: f.get("ref") == "x")

    assert frame["type"] == "error"
    assert "Only the facilitator" in frame["message"]
    session = await sync_to_async(lambda: type(world.session).objects.get(pk=world.session.pk))()
    assert session.status == SessionStatus.SCORING
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"type": "score.save", "item": 1}, "Missing field 'criterion'"),
        ({"type": "launch.rockets"}, "Unknown message type"),
        ({"type": "score.save", "item": "x", "criterion": "y"}, "Invalid item id"),
        ({"type": "submit", "item": [1]}, "Invalid item id: expected a whole number"),
    ],
)
async def test_bad_frames_get_an_error_and_the_connection_stays_usable(payload, message):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    await communicator.send_json_to({**payload, "ref": "bad"})
    error = await receive_until(communicator, lambda f: f.get("ref") == "bad")
    ack = await save(communicator, world, world.items[0], world.numeric, 3, ref="good")

    assert error["type"] == "error" and message in error["message"]
    assert ack["type"] == "ack"
    await communicator.disconnect()


async def test_malformed_json_and_oversized_frames_are_refused():
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    await communicator.send_to(text_data="{not json")
    malformed = await receive_until(communicator, is_type("error"))
    await communicator.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * (64 * 1024 + 1)}))
    too_large = await receive_until(communicator, is_type("error"))
    ack = await save(communicator, world, world.items[0], world.numeric, 3, ref="ok")

    assert "Malformed JSON" in malformed["message"]
    assert "too large" in too_large["message"]
    assert ack["type"] == "ack"
    await communicator.disconnect()


async def test_cannot_write_as_someone_else():
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    await communicator.send_json_to(
        {
            "type": "score.save",
            "ref": "spoof",
            "item": world.items[0].pk,
            "criterion": world.numeric.pk,
            "value": 5,
            "participant": 999,
            "user": world.reviewers[1].pk,
        }
    )
    refused = await receive_until(communicator, lambda f: f.get("ref") == "spoof")

    assert refused["type"] == "error" and "Unknown fields" in refused["message"]
    assert not await sync_to_async(Score.objects.exists)()
    await communicator.disconnect()


async def test_consensus_appears_live_for_reviewers():
    world = await make_world()
    await sync_to_async(services.session_reveal)(
        session_id=world.session.pk, actor=world.facilitator
    )
    facilitator, _, _ = await connect(world.facilitator, world.session)
    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    await drain(reviewer)

    await facilitator.send_json_to(
        {
            "type": "consensus.save",
            "ref": "c",
            "item": world.items[0].pk,
            "criterion": world.numeric.pk,
            "value": 4,
            "note": "Name the feeling",
        }
    )
    snapshot = await receive_until(
        reviewer,
        lambda f: (
            f.get("type") == "snapshot" and f["revealed"][str(world.items[0].pk)]["consensus"]
        ),
    )

    consensus = snapshot["revealed"][str(world.items[0].pk)]["consensus"][str(world.numeric.pk)]
    assert consensus == {"value": 4, "na": False, "note": "Name the feeling"}
    assert await sync_to_async(Consensus.objects.count)() == 1
    await facilitator.disconnect()
    await reviewer.disconnect()


async def test_nudge_reaches_only_its_target():
    world = await make_world()
    facilitator, _, _ = await connect(world.facilitator, world.session)
    target, _, _ = await connect(world.reviewers[0], world.session)
    other, _, _ = await connect(world.reviewers[1], world.session)
    snapshot = await receive_until(facilitator, is_type("snapshot"))
    participant = next(p for p in snapshot["participants"] if p["name"].startswith("Rev0"))

    await facilitator.send_json_to({"type": "nudge", "ref": "n", "participant": participant["id"]})

    nudge = await receive_until(target, is_type("nudge"))
    assert "waiting" in nudge["message"]
    assert not [f for f in await drain(other) if f.get("type") == "nudge"]
    for communicator in (facilitator, target, other):
        await communicator.disconnect()


async def test_someone_removed_from_the_team_cannot_connect():
    world = await make_world()
    await sync_to_async(lambda: world.team.memberships.filter(user=world.reviewers[0]).delete())()

    _, connected, code = await connect(world.reviewers[0], world.session)

    assert not connected
    assert code == 4403


async def test_the_size_limit_counts_bytes_not_characters():
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    await communicator.send_to(text_data=json.dumps({"type": "ping", "pad": "é" * 40_000}))
    frame = await receive_until(communicator, is_type("error"))

    assert "too large" in frame["message"]
    await communicator.disconnect()


async def test_a_heartbeat_clears_a_killed_workers_connections_from_the_people_list():
    world = await make_world()
    await sync_to_async(services.connection_open)(
        session_id=world.session.pk, user=world.reviewers[1], channel_name="dead.worker!1"
    )
    stale = timezone.now() - CONNECTION_EXPIRY - timedelta(seconds=1)
    await sync_to_async(Connection.objects.filter(channel_name="dead.worker!1").update)(
        last_seen_at=stale
    )
    communicator, connected, _ = await connect(world.reviewers[0], world.session)
    assert connected
    await drain(communicator)

    await communicator.send_json_to({"type": "ping", "ref": "hb"})
    await receive_until(communicator, lambda f: f.get("type") == "pong")

    gone = not await sync_to_async(Connection.objects.filter(channel_name="dead.worker!1").exists)()
    await communicator.disconnect()
    assert gone


async def test_close_asks_for_confirmation_while_criteria_are_undecided():
    world = await make_world()
    await sync_to_async(services.session_reveal)(
        session_id=world.session.pk, actor=world.facilitator
    )
    communicator, _, _ = await connect(world.facilitator, world.session)

    await communicator.send_json_to({"type": "close", "ref": "c1"})
    refused = await receive_until(communicator, lambda f: f.get("ref") == "c1")
    await communicator.send_json_to({"type": "close", "ref": "c2", "confirm_undecided": True})
    closed = await receive_until(communicator, lambda f: f.get("ref") == "c2")

    assert refused["type"] == "error"
    assert "still undecided" in refused["message"]
    assert closed["type"] == "ack"
    await sync_to_async(world.session.refresh_from_db)()
    assert world.session.status == SessionStatus.CLOSED
    await communicator.disconnect()


async def test_accepting_the_unanimous_answers_is_acknowledged_with_how_many():
    world = await make_world(interactions=1)
    item = world.items[0]

    @sync_to_async
    def score_and_reveal():
        for user in world.reviewers:
            world.score_all(user, item, (1, 3, 2))
            world.submit(user, item)
        services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    await score_and_reveal()
    communicator, _, _ = await connect(world.facilitator, world.session)

    await communicator.send_json_to(
        {"type": "consensus.accept_unanimous", "ref": "u1", "item": item.pk}
    )
    ack = await receive_until(communicator, lambda f: f.get("ref") == "u1")

    assert ack["type"] == "ack" and ack["recorded"] == 3
    assert await sync_to_async(Consensus.objects.filter(item=item).count)() == 3
    await communicator.disconnect()


async def test_a_reveal_goes_out_before_its_figures_which_follow_for_the_same_version():
    world = await make_world(interactions=1)
    for index, user in enumerate(world.reviewers):
        await sync_to_async(world.score_all)(user, world.items[0], (1, 3 + index % 2, index % 3))
        await sync_to_async(world.submit)(user, world.items[0])
    facilitator, _, _ = await connect(world.facilitator, world.session)
    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    await drain(facilitator)
    await drain(reviewer)

    await facilitator.send_json_to({"type": "reveal", "ref": "rev"})
    revealed = await receive_until(
        reviewer, lambda f: f.get("type") == "snapshot" and f["items"][0]["revealed"]
    )
    if revealed["figures_pending"]:
        figures = await receive_until(reviewer, is_type("figures"))
        assert figures["version"] == revealed["version"]
        agreement = figures["agreement"]
    else:  # another consumer of this worker had them computed first
        agreement = revealed["agreement"]
    page = await sync_to_async(selectors.session_snapshot)(
        session=await sync_to_async(CalibrationSession.objects.get)(pk=world.session.pk),
        user=world.reviewers[0],
    )

    assert revealed["agreement"] == {} or not revealed["figures_pending"]
    assert agreement and agreement == page["agreement"]
    assert page["figures_pending"] is False
    for communicator in (facilitator, reviewer):
        await communicator.disconnect()


async def test_a_missed_event_is_caught_up_at_the_next_heartbeat(monkeypatch):
    world = await make_world()
    await sync_to_async(world.score_all)(world.reviewers[1], world.items[0], (1, 4, 2))
    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    first = await receive_until(reviewer, is_type("snapshot"))
    await drain(reviewer)
    # The channel layer drops the "look again" of this submission (a full channel does).
    monkeypatch.setattr(services.common, "send_after_commit", lambda *args, **kwargs: None)
    await sync_to_async(world.submit)(world.reviewers[1], world.items[0])

    await reviewer.send_json_to({"type": "ping", "ref": "hb"})
    pong = await receive_until(reviewer, is_type("pong"))
    caught_up = await receive_until(reviewer, is_type("snapshot"))

    assert pong["version"] == first["version"] + 1 == caught_up["version"]
    assert caught_up["items"][0]["submitted"] == 1
    await reviewer.disconnect()


async def test_an_own_save_shows_in_the_next_pushed_frame():
    world = await make_world()
    reviewer, _, _ = await connect(world.reviewers[0], world.session)
    await drain(reviewer)
    await save(reviewer, world, world.items[0], world.numeric, 4, comment="Kind", ts=7)

    await sync_to_async(world.score_all)(world.reviewers[1], world.items[0], (1, 4, 2))
    await sync_to_async(world.submit)(world.reviewers[1], world.items[0])
    frame = await receive_until(reviewer, is_type("snapshot"))

    mine = frame["my_scores"][str(world.items[0].pk)][str(world.numeric.pk)]
    assert mine == {"value": 4, "na": False, "comment": "Kind", "ts": 7}
    assert list(frame["my_scores"][str(world.items[0].pk)]) == [str(world.numeric.pk)]
    await reviewer.disconnect()


async def test_a_burst_of_submissions_ends_with_everyone_shown_as_submitted():
    world = await make_world()
    for user in world.reviewers:
        await sync_to_async(world.score_all)(user, world.items[0], (1, 4, 2))
    facilitator, _, _ = await connect(world.facilitator, world.session)
    await drain(facilitator)

    await asyncio.gather(
        *(sync_to_async(world.submit)(user, world.items[0]) for user in world.reviewers)
    )
    last = await receive_until(
        facilitator,
        lambda f: f.get("type") == "snapshot" and f["items"][0]["submitted"] == 3,
        timeout=5,
    )

    assert last["items"][0]["total"] == 3
    assert await communicator_quiet(facilitator)
    await facilitator.disconnect()


async def communicator_quiet(communicator) -> bool:
    """Nothing older arrives after the newest state."""
    frames = await drain(communicator)
    return all(f["items"][0]["submitted"] == 3 for f in frames if f.get("type") == "snapshot")
