"""Calibration notes: written with the consensus, kept with the criterion across versions,
superseded or folded into the guidance as a scorecard change."""

import io

import pytest
from django.core.management import call_command

from scorecards import selectors
from scorecards import services as scorecard_services
from scorecards.models import CalibrationNote
from sessions import services
from sessions.models import Consensus
from sessions.services.discussion import calibration_notes_backfill
from tests.factories import SessionWorld

pytestmark = pytest.mark.django_db

SECRET = "reviewer-private-comment"


def revealed_world(**options):
    world = SessionWorld(**options).start()
    for reviewer, values in zip(world.reviewers, [(1, 4, 2), (1, 3, 2), (0, 2, 1)], strict=True):
        for item in world.items:
            world.score_all(reviewer, item, values, comment=f"{SECRET}-{reviewer.pk}")
            world.submit(reviewer, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    return world


def agree(world, *, criterion=None, item=None, value=3, note="Count an apology only once.", **kw):
    return services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=(item or world.items[0]).pk,
        criterion_id=(criterion or world.numeric).pk,
        value=value,
        note=note,
        **kw,
    )


def notes_of(world, criterion=None):
    key = (criterion or world.numeric).key
    return selectors.calibration_notes(scorecard=world.version.scorecard).get(key, [])


# --- written with the consensus --------------------------------------------------------------


def test_a_consensus_with_a_note_gives_its_criterion_a_calibration_note():
    world = revealed_world()
    consensus = agree(world, value=3)

    [note] = notes_of(world)
    item = world.items[0]
    assert note.text == "Count an apology only once."
    assert note.source_id == consensus.pk
    assert note.session_id == world.session.pk
    assert note.session_title == "Weekly calibration"
    assert note.recorded_at == consensus.decided_at
    assert note.interaction_id == item.interaction_id
    assert note.interaction_label == str(item.interaction)
    assert note.rating_label == "3"
    assert note.criterion_key == world.numeric.key


def test_the_agreed_rating_reads_as_the_scale_labels_it():
    world = revealed_world()
    agree(world, criterion=world.labels, value=1, note="Partly means one step left out.")
    agree(world, criterion=world.binary, value=0, note="No check, no pass.")
    agree(world, criterion=world.numeric, value=None, is_na=True, note="N/A when no complaint.")

    assert notes_of(world, world.labels)[0].rating_label == "Partly"
    assert notes_of(world, world.binary)[0].rating_label == "Fail"
    assert notes_of(world, world.numeric)[0].rating_label == "N/A"


def test_a_consensus_without_a_note_gives_no_calibration_note():
    world = revealed_world()
    agree(world, note="")

    assert CalibrationNote.objects.count() == 0


def test_changing_the_consensus_updates_its_note_and_clearing_it_removes_the_note():
    world = revealed_world()
    agree(world, value=3, note="First reading")
    agree(world, value=4, note="Second reading")

    [note] = notes_of(world)
    assert (note.text, note.rating_label) == ("Second reading", "4")

    agree(world, value=4, note="   ")
    assert CalibrationNote.objects.count() == 0


def test_a_refused_consensus_writes_no_note():
    world = revealed_world()
    with pytest.raises(services.SessionError):
        agree(world, value=99, note="Out of range")

    assert CalibrationNote.objects.count() == 0


def test_the_note_is_written_in_the_consensus_transaction(monkeypatch):
    world = revealed_world()

    def fail(**kwargs):
        raise RuntimeError("the note could not be written")

    monkeypatch.setattr(scorecard_services, "calibration_note_record", fail)
    with pytest.raises(RuntimeError):
        agree(world)

    assert not Consensus.objects.exists()  # no consensus without its note


def test_a_note_never_carries_a_reviewers_rating_comment_or_any_name():
    world = revealed_world(anonymous=True)
    agree(world, value=3)

    note = CalibrationNote.objects.get()
    stored = " ".join(str(getattr(note, f.attname)) for f in CalibrationNote._meta.concrete_fields)
    assert SECRET not in stored
    people = [world.facilitator, *world.reviewers]
    for user in people:
        for name in (user.username, user.first_name, user.last_name, user.get_full_name()):
            assert name and name not in stored
    assert "Reviewer A" not in stored


def test_the_interaction_label_leaves_out_the_agent_name():
    world = revealed_world()
    agree(world)

    assert "Sam Agent" not in CalibrationNote.objects.get().interaction_label


def test_notes_are_newest_first():
    world = revealed_world()
    agree(world, item=world.items[0], note="Older")
    agree(world, item=world.items[1], note="Newer")

    assert [note.text for note in notes_of(world)] == ["Newer", "Older"]


# --- carried across versions -----------------------------------------------------------------


def test_notes_follow_their_criterion_into_the_next_version():
    world = revealed_world()
    agree(world, note="Kept across versions")
    scorecard = world.version.scorecard
    edit = scorecard_services.criterion_retire(scorecard=scorecard, key=world.binary.key)
    assert edit.new_version  # the session locked version 1
    new_numeric = edit.version.criteria.get(key=world.numeric.key)

    open_notes = selectors.open_notes_for_criteria(
        scorecard_id=scorecard.pk, keys=[new_numeric.key]
    )

    assert [note.text for note in open_notes[new_numeric.key]] == ["Kept across versions"]
    assert notes_of(world)[0].criterion == world.numeric  # recorded on version 1


def test_another_scorecards_criteria_do_not_get_the_notes():
    world = revealed_world()
    other = SessionWorld()
    agree(world)

    assert (
        selectors.open_notes_for_criteria(
            scorecard_id=other.version.scorecard_id, keys=[world.numeric.key]
        )
        == {}
    )


# --- superseded ------------------------------------------------------------------------------


def test_a_superseded_note_stays_on_the_scorecard_but_not_among_open_notes():
    world = revealed_world()
    agree(world)
    note = CalibrationNote.objects.get()

    scorecard_services.calibration_note_supersede(note=note, user=world.facilitator)

    [kept] = notes_of(world)
    assert kept.is_superseded and kept.superseded_by == world.facilitator
    open_notes = selectors.open_notes_for_criteria(
        scorecard_id=world.version.scorecard_id, keys=[world.numeric.key]
    )
    assert open_notes == {}


def test_superseding_twice_is_refused_and_restoring_brings_it_back():
    world = revealed_world()
    agree(world)
    note = scorecard_services.calibration_note_supersede(
        note=CalibrationNote.objects.get(), user=world.facilitator
    )
    with pytest.raises(scorecard_services.ScorecardError):
        scorecard_services.calibration_note_supersede(note=note, user=world.facilitator)

    scorecard_services.calibration_note_restore(note=note)

    assert not CalibrationNote.objects.get().is_superseded
    with pytest.raises(scorecard_services.ScorecardError):
        scorecard_services.calibration_note_restore(note=note)


def test_a_new_text_for_a_superseded_note_shows_it_again():
    world = revealed_world()
    agree(world, note="Old reading")
    scorecard_services.calibration_note_supersede(
        note=CalibrationNote.objects.get(), user=world.facilitator
    )
    agree(world, note="Old reading")
    assert CalibrationNote.objects.get().is_superseded  # same text: still superseded

    agree(world, note="A new reading")

    assert not CalibrationNote.objects.get().is_superseded


# --- folded into the guidance ----------------------------------------------------------------


def fold(world, notes, *, right="Apologise once, then fix it.", wrong="Apologies on repeat."):
    return scorecard_services.calibration_notes_fold(
        scorecard=world.version.scorecard,
        key=world.numeric.key,
        note_ids=[note.pk for note in notes],
        guidance_right=right,
        guidance_wrong=wrong,
        user=world.facilitator,
    )


def test_folding_notes_is_a_new_version_with_a_changelog_entry_and_supersedes_them():
    world = revealed_world()
    agree(world, item=world.items[0], note="One")
    agree(world, item=world.items[1], note="Two")
    notes = list(CalibrationNote.objects.all())

    edit = fold(world, notes)

    assert edit.new_version and edit.version.number == 2
    criterion = edit.version.criteria.get(key=world.numeric.key)
    assert criterion.guidance_right == "Apologise once, then fix it."
    assert criterion.guidance_wrong == "Apologies on repeat."
    assert edit.version.changes == [
        "“Empathy”: guidance edited",
        "“Empathy”: folded 2 calibration notes from “Weekly calibration”",
    ]
    for note in CalibrationNote.objects.all():
        assert note.is_superseded and note.folded_into == edit.version
    world.version.refresh_from_db()
    assert world.version.criteria.get(key=world.numeric.key).guidance_right == ""


def test_folding_without_changing_the_guidance_is_refused_and_changes_nothing():
    world = revealed_world()
    agree(world)
    note = CalibrationNote.objects.get()

    with pytest.raises(scorecard_services.ScorecardError, match="unchanged"):
        fold(world, [note], right="", wrong="")

    assert not CalibrationNote.objects.get().is_superseded
    assert world.version.scorecard.versions.count() == 1


def test_folding_a_superseded_or_foreign_note_is_refused_and_changes_nothing():
    world = revealed_world()
    agree(world, criterion=world.numeric, note="Empathy note")
    agree(world, criterion=world.labels, value=2, note="Resolution note")
    empathy = CalibrationNote.objects.get(criterion_key=world.numeric.key)
    resolution = CalibrationNote.objects.get(criterion_key=world.labels.key)

    with pytest.raises(scorecard_services.ScorecardError, match="not open notes"):
        fold(world, [empathy, resolution])
    scorecard_services.calibration_note_supersede(note=empathy, user=world.facilitator)
    with pytest.raises(scorecard_services.ScorecardError, match="not open notes"):
        fold(world, [empathy])
    with pytest.raises(scorecard_services.ScorecardError, match="Choose"):
        fold(world, [])

    assert world.version.scorecard.versions.count() == 1
    assert not CalibrationNote.objects.get(pk=resolution.pk).is_superseded


def test_a_folded_note_cannot_be_restored():
    world = revealed_world()
    agree(world)
    fold(world, [CalibrationNote.objects.get()])

    with pytest.raises(scorecard_services.ScorecardError, match="folded"):
        scorecard_services.calibration_note_restore(note=CalibrationNote.objects.get())


# --- backfill --------------------------------------------------------------------------------


def test_the_backfill_writes_notes_for_consensus_recorded_without_them_and_is_idempotent():
    world = revealed_world()
    agree(world, item=world.items[0], note="Via the service")
    # As an import or the demo history writes them: straight into the table.
    Consensus.objects.create(
        item=world.items[1], criterion=world.labels, value=2, note="Written directly"
    )
    Consensus.objects.create(item=world.items[1], criterion=world.binary, value=1, note="")

    assert calibration_notes_backfill() == 2
    out = io.StringIO()
    call_command("backfill_calibration_notes", stdout=out)

    assert sorted(CalibrationNote.objects.values_list("text", flat=True)) == [
        "Via the service",
        "Written directly",
    ]
    assert out.getvalue().strip() == "2 calibration notes in step."
    assert CalibrationNote.objects.get(text="Written directly").rating_label == "Fully"


# --- the scoring room's criterion data -------------------------------------------------------


def next_session(world, interactions=None):
    from sessions import selectors as session_selectors
    from tests.factories import InteractionFactory

    session = services.session_create(
        team=world.team,
        facilitator=world.facilitator,
        title="Next week",
        scorecard_version=world.version,
        interactions=interactions or [InteractionFactory(team=world.team)],
        reviewers=world.reviewers,
        options=services.SessionOptions(),
    )
    services.session_start(session_id=session.pk, actor=world.facilitator)
    session.refresh_from_db()
    snapshot = session_selectors.session_snapshot(session=session, user=world.reviewers[0])
    return {c["name"]: c for c in snapshot["criteria"]}


def test_the_next_session_sends_each_criterion_its_open_notes_newest_first():
    world = revealed_world()
    agree(world, item=world.items[0], value=3, note="Older")
    agree(world, item=world.items[1], value=4, note="Newer")

    criteria = next_session(world)

    notes = criteria["Empathy"]["notes"]
    assert [note["text"] for note in notes] == ["Newer", "Older"]
    assert notes[0]["session"] == "Weekly calibration"
    assert notes[0]["interaction"] == str(world.items[1].interaction)
    assert notes[0]["rating"] == "4"
    assert (
        notes[0]["date"] == CalibrationNote.objects.get(text="Newer").recorded_at.date().isoformat()
    )
    assert set(notes[0]) == {"id", "text", "session", "date", "interaction", "rating"}
    assert criteria["Resolution"]["notes"] == []


def test_superseded_and_folded_notes_are_not_sent_to_the_room():
    world = revealed_world()
    agree(world, item=world.items[0], note="Superseded one")
    agree(world, item=world.items[1], note="Folded one")
    agree(world, item=world.items[1], criterion=world.labels, value=2, note="Open one")
    scorecard_services.calibration_note_supersede(
        note=CalibrationNote.objects.get(text="Superseded one"), user=world.facilitator
    )
    fold(world, [CalibrationNote.objects.get(text="Folded one")])

    criteria = next_session(world)

    assert criteria["Empathy"]["notes"] == []
    assert [note["text"] for note in criteria["Resolution"]["notes"]] == ["Open one"]


def test_an_example_still_to_be_rated_blind_here_is_left_out_of_its_note():
    world = revealed_world()
    agree(world, item=world.items[0], value=3, note="Same interaction again")

    criteria = next_session(world, interactions=[world.items[0].interaction])

    [note] = criteria["Empathy"]["notes"]
    assert note["text"] == "Same interaction again"
    assert note["interaction"] is None and note["rating"] is None
