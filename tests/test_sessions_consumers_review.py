"""The live criterion review over websockets (/ws/reviews/<id>/), through the real ASGI
application: who may connect, error frames for bad and foreign input, and answers that never
reach anyone else before their item is revealed."""

import json

import pytest
from asgiref.sync import sync_to_async

from sessions.models import ReviewAnswer, ReviewItem, SessionStatus
from teams.models import Role

from .factories import MembershipFactory, SessionWorld, UserFactory
from .live_socket import connect, drain, has_ref, is_type, receive_until
from .review_builders import ReviewWorld

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

SECRET = "only-the-author-reads-this-zq"


async def make_review(**options):
    return await sync_to_async(lambda: ReviewWorld(**options).start())()


async def review_socket(user, world):
    return await connect(user, world.session, path=f"/ws/reviews/{world.session.pk}/")


async def request(communicator, frame, ref="r1"):
    await communicator.send_json_to({**frame, "ref": ref})
    return await receive_until(communicator, has_ref(ref))


def answer_frame(item, **fields):
    return {
        "type": "answer.save",
        "item": item.pk,
        "relevant": "yes",
        "trending": "no",
        "mistakes": "unsure",
        "proposal": "change",
        "comment": SECRET,
        "ts": 1,
        **fields,
    }


async def test_participants_get_the_review_snapshot_and_strangers_are_refused():
    world = await make_review()
    communicator, connected, _ = await review_socket(world.reviewers[0], world)
    assert connected
    snapshot = await receive_until(communicator, is_type("snapshot"))
    assert snapshot["kind"] == "criterion_review"
    assert [item["name"] for item in snapshot["items"]] == [c.name for c in world.criteria]
    await communicator.disconnect()

    outsider = await sync_to_async(UserFactory)()
    await sync_to_async(MembershipFactory)(team=world.team, user=outsider, role=Role.REVIEWER)
    _, connected, code = await review_socket(outsider, world)
    assert (connected, code) == (False, 4403)
    _, connected, code = await review_socket(None, world)
    assert (connected, code) == (False, 4401)


async def test_a_scoring_session_is_not_reachable_on_the_review_route():
    scoring = await sync_to_async(SessionWorld)(reviewers=1)
    _, connected, code = await connect(
        scoring.reviewers[0], scoring.session, path=f"/ws/reviews/{scoring.session.pk}/"
    )
    assert (connected, code) == (False, 4403)


async def test_an_answer_is_acknowledged_and_never_reaches_the_others_before_the_reveal():
    world = await make_review()
    author, other = world.reviewers
    sockets = {}
    for user in (author, other, world.facilitator):
        sockets[user.pk], _, _ = await review_socket(user, world)
        await receive_until(sockets[user.pk], is_type("snapshot"))
    ack = await request(sockets[author.pk], answer_frame(world.items[0]))
    assert ack == {
        "type": "ack",
        "ref": "r1",
        "saved": "answer",
        "item": world.items[0].pk,
        "applied": True,
    }
    # The first complete answer moves the progress count for everyone, without its values.
    frames = {pk: await drain(socket) for pk, socket in sockets.items()}
    for user in (other, world.facilitator):
        text = json.dumps(frames[user.pk])
        assert SECRET not in text
        snapshots = [f for f in frames[user.pk] if f["type"] == "snapshot"]
        assert snapshots and snapshots[-1]["items"][0]["answered"] == 1
        assert snapshots[-1]["my_answers"] == {}
    mine = [f for f in frames[author.pk] if f["type"] == "snapshot"][-1]
    assert mine["my_answers"][str(world.items[0].pk)]["comment"] == SECRET

    # A sync (what a reconnect does) is no different.
    await sockets[world.facilitator.pk].send_json_to({"type": "sync", "ref": "s1"})
    sync = await receive_until(sockets[world.facilitator.pk], lambda f: f.get("ref") == "s1")
    assert sync["type"] == "snapshot"
    assert SECRET not in json.dumps(sync)

    # After the reveal, everyone's frame carries it.
    await request(
        sockets[world.facilitator.pk], {"type": "reveal", "item": world.items[0].pk}, "v1"
    )
    for user in (other, world.facilitator):
        snapshot = await receive_until(
            sockets[user.pk], lambda f: f.get("type") == "snapshot" and f["items"][0]["revealed"]
        )
        assert [a["comment"] for a in snapshot["items"][0]["answers"]] == [SECRET]
        assert snapshot["items"][0]["tallies"]["proposal"]["change"] == 1
    for socket in sockets.values():
        await socket.disconnect()


@pytest.mark.parametrize(
    "frame, message",
    [
        ({"type": "answer.save", "item": "one"}, "Invalid item id"),
        ({"type": "answer.save", "item": 1, "relevant": "maybe"}, "must be one of"),
        ({"type": "answer.save", "item": 1, "colour": "red"}, "Unknown field"),
        ({"type": "answer.save"}, "Missing field 'item'"),
        ({"type": "decide", "item": 1, "decision": "burn"}, "must be one of"),
        ({"type": "propose"}, "Missing field 'name'"),
        ({"type": "score.save", "item": 1, "criterion": 1}, "Unknown message type"),
    ],
)
async def test_bad_frames_get_error_frames_and_change_nothing(frame, message):
    world = await make_review()
    communicator, _, _ = await review_socket(world.reviewers[0], world)
    await receive_until(communicator, is_type("snapshot"))
    error = await request(communicator, frame)
    assert error["type"] == "error" and error["code"] == "bad_frame"
    assert message in error["message"]
    assert not await sync_to_async(ReviewAnswer.objects.exists)()
    await communicator.disconnect()


async def test_foreign_items_and_roles_are_refused_without_leaking():
    world = await make_review()
    other_review = await make_review()
    foreign = other_review.items[0]
    await sync_to_async(other_review.answer)(other_review.reviewers[0], foreign, comment=SECRET)
    reviewer = world.reviewers[0]
    communicator, _, _ = await review_socket(reviewer, world)
    await receive_until(communicator, is_type("snapshot"))

    refused = await request(communicator, answer_frame(foreign), "a")
    assert (refused["code"], refused["message"]) == (
        "refused",
        "That criterion is not part of this review.",
    )
    refused = await request(communicator, {"type": "reveal", "item": world.items[0].pk}, "b")
    assert refused["message"] == "Only the facilitator can do this."
    refused = await request(
        communicator, {"type": "decide", "item": world.items[0].pk, "decision": "keep"}, "c"
    )
    assert refused["message"] == "Only the facilitator can do this."
    refused = await request(communicator, {"type": "close"}, "d")
    assert refused["message"] == "Only the facilitator can do this."
    assert SECRET not in json.dumps(await drain(communicator))
    await communicator.disconnect()


async def test_the_facilitator_is_asked_before_closing_with_undecided_items():
    world = await make_review()
    communicator, _, _ = await review_socket(world.facilitator, world)
    await receive_until(communicator, is_type("snapshot"))
    refused = await request(communicator, {"type": "close"}, "c1")
    assert refused["code"] == "refused"
    assert "3 criteria are still undecided" in refused["message"]
    ack = await request(communicator, {"type": "close", "confirm_undecided": True}, "c2")
    assert ack["saved"] == "close"
    session = await sync_to_async(
        lambda: world.session.__class__.objects.get(pk=world.session.pk)
    )()
    assert session.status == SessionStatus.CLOSED
    await communicator.disconnect()


async def test_a_participant_proposes_and_the_facilitator_decides_over_the_socket():
    world = await make_review()
    reviewer, _, _ = await review_socket(world.reviewers[0], world)
    facilitator, _, _ = await review_socket(world.facilitator, world)
    for socket in (reviewer, facilitator):
        await receive_until(socket, is_type("snapshot"))
    ack = await request(reviewer, {"type": "propose", "name": "Next steps", "scale": "Pass / fail"})
    item_id = ack["item"]
    await request(facilitator, {"type": "reveal", "item": item_id}, "v")
    refused = await request(
        facilitator,
        {"type": "decide", "item": item_id, "decision": "add", "rationale": "Yes"},
        "d1",
    )
    assert refused["message"] == "Choose the criterion's scale."
    ack = await request(
        facilitator,
        {
            "type": "decide",
            "item": item_id,
            "decision": "add",
            "rationale": "Customers ask.",
            "name": "Next steps",
            "scale_kind": "binary",
            "weight": "1",
        },
        "d2",
    )
    assert ack["saved"] == "decision"
    item = await sync_to_async(ReviewItem.objects.get)(pk=item_id)
    assert (item.decision, item.rationale) == ("add", "Customers ask.")
    for socket in (reviewer, facilitator):
        await socket.disconnect()


async def test_a_review_is_not_reachable_on_the_scoring_route():
    world = await make_review()
    _, connected, code = await connect(world.reviewers[0], world.session)
    assert (connected, code) == (False, 4403)
