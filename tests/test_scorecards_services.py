from decimal import Decimal

import pytest

from scorecards import services
from scorecards.models import Criterion, Scorecard, ScorecardVersion
from scorecards.scales import Scale, ScaleKind
from scorecards.specs import CriterionData, ScaleInput, SpecError, build_scale

from .factories import ScorecardFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

FIVE_POINTS = Scale(kind=ScaleKind.NUMERIC, points=5, fail_values=(1, 2))
PASS_FAIL = Scale(kind=ScaleKind.BINARY)


def data(name, **fields) -> CriterionData:
    fields.setdefault("scale", FIVE_POINTS)
    return CriterionData(name=name, **fields)


def make_scorecard(*names, groups=None, team=None) -> Scorecard:
    groups = groups or {}
    return services.scorecard_create(
        team=team or TeamFactory(),
        name="Support QA",
        criteria=[data(name, group=groups.get(name, "")) for name in names],
    )


def current(scorecard) -> ScorecardVersion:
    return scorecard.versions.order_by("-number").first()


def names(version) -> list[str]:
    return list(version.criteria.order_by("position").values_list("name", flat=True))


def criterion(scorecard, name) -> Criterion:
    return current(scorecard).criteria.get(name=name)


def lock(scorecard) -> ScorecardVersion:
    return services.scorecard_version_lock(version=current(scorecard))


# --- creating ----------------------------------------------------------------------------------


def test_scorecard_create_starts_version_one_marked_created():
    user = UserFactory()

    scorecard = services.scorecard_create(
        team=TeamFactory(), name="  Support QA ", user=user, criteria=[data("Tone")]
    )

    version = current(scorecard)
    assert scorecard.name == "Support QA"
    assert (version.number, version.changes, version.created_by) == (1, ["Created"], user)
    assert names(version) == ["Tone"]


def test_scorecard_create_refuses_a_name_the_team_already_uses():
    existing = ScorecardFactory(name="Support QA")

    with pytest.raises(services.ScorecardError, match="already has a scorecard"):
        services.scorecard_create(team=existing.team, name="support qa")

    assert Scorecard.objects.filter(team=existing.team).count() == 1


def test_scorecard_create_refuses_a_blank_name():
    team = TeamFactory()

    with pytest.raises(services.ScorecardError, match="Give the scorecard a name"):
        services.scorecard_create(team=team, name="   ")

    assert not Scorecard.objects.filter(team=team).exists()


def test_same_scorecard_name_is_fine_in_another_team():
    ScorecardFactory(name="Support QA")

    scorecard = services.scorecard_create(team=TeamFactory(), name="Support QA")

    assert scorecard.pk


def test_scorecard_update_renames_without_a_new_version():
    scorecard = make_scorecard("Tone")
    lock(scorecard)

    services.scorecard_update(scorecard=scorecard, name="Chat QA", description="For chats")

    scorecard.refresh_from_db()
    assert (scorecard.name, scorecard.description) == ("Chat QA", "For chats")
    assert scorecard.versions.count() == 1


# --- editing in place or in a new version ------------------------------------------------------


def test_edit_of_unlocked_version_applies_in_place_and_appends_changes():
    scorecard = make_scorecard("Tone")
    tone = criterion(scorecard, "Tone")

    edit = services.criterion_update(
        scorecard=scorecard, key=tone.key, data=data("Tone", scale=PASS_FAIL)
    )

    tone.refresh_from_db()
    assert not edit.new_version
    assert tone.scale_kind == ScaleKind.BINARY
    assert scorecard.versions.count() == 1
    assert current(scorecard).changes == ["Created", "“Tone”: scale 1–5 → Pass / fail"]


def test_edit_of_locked_version_starts_next_version_with_copied_criteria_and_keys():
    user = UserFactory()
    scorecard = make_scorecard("Greeting", "Tone")
    v1 = lock(scorecard)
    keys = {c.name: c.key for c in v1.criteria.all()}

    edit = services.criterion_update(
        scorecard=scorecard, key=keys["Tone"], data=data("Tone", scale=PASS_FAIL), user=user
    )

    v2 = current(scorecard)
    assert edit.new_version and edit.version == v2
    assert (v2.number, v2.created_by, v2.locked_at) == (2, user, None)
    assert v2.changes == ["“Tone”: scale 1–5 → Pass / fail"]
    assert {c.name: c.key for c in v2.criteria.all()} == keys
    assert v1.criteria.get(name="Tone").scale_kind == ScaleKind.NUMERIC  # v1 untouched
    assert v2.criteria.get(name="Greeting").pk != v1.criteria.get(name="Greeting").pk


def test_second_edit_after_lock_goes_to_the_new_unlocked_version():
    scorecard = make_scorecard("Tone")
    lock(scorecard)

    services.criterion_add(scorecard=scorecard, data=data("Empathy"))
    services.criterion_add(scorecard=scorecard, data=data("Greeting"))

    assert scorecard.versions.count() == 2
    assert current(scorecard).changes == ["Added “Empathy”", "Added “Greeting”"]
    assert names(current(scorecard)) == ["Tone", "Empathy", "Greeting"]


def test_edit_without_any_difference_writes_nothing_even_when_locked():
    scorecard = make_scorecard("Tone")
    lock(scorecard)
    tone = criterion(scorecard, "Tone")

    edit = services.criterion_update(scorecard=scorecard, key=tone.key, data=data("Tone"))

    assert not edit.changed
    assert scorecard.versions.count() == 1


def test_every_kind_of_change_is_described_in_words():
    scorecard = make_scorecard("Tone")
    tone = criterion(scorecard, "Tone")
    new = data(
        "Tone of voice",
        scale=Scale(kind=ScaleKind.NUMERIC, points=5, fail_values=(1,)),
        group="Communication",
        weight=Decimal("2.5"),
        critical=True,
        na_allowed=True,
        description="New",
        guidance_right="Warm",
    )

    edit = services.criterion_update(scorecard=scorecard, key=tone.key, data=new)

    assert edit.changes == [
        "Renamed “Tone” → “Tone of voice”",
        "“Tone of voice”: fail values 1, 2 → 1",
        "“Tone of voice”: moved to group “Communication”",
        "“Tone of voice”: description edited",
        "“Tone of voice”: guidance edited",
        "“Tone of voice”: N/A now allowed",
        "“Tone of voice”: weight 1 → 2.5",
        "“Tone of voice”: now critical",
    ]


def test_update_keeps_whether_the_criterion_is_retired():
    scorecard = make_scorecard("Tone")
    tone = criterion(scorecard, "Tone")
    services.criterion_retire(scorecard=scorecard, key=tone.key)

    services.criterion_update(scorecard=scorecard, key=tone.key, data=data("Tone", weight=2))

    tone.refresh_from_db()
    assert not tone.is_active
    assert tone.weight == 2


def test_adding_a_duplicate_name_is_refused_and_changes_nothing():
    scorecard = make_scorecard("Tone")
    lock(scorecard)

    with pytest.raises(services.ScorecardError, match="already a criterion called “tone”"):
        services.criterion_add(scorecard=scorecard, data=data("tone"))

    assert scorecard.versions.count() == 1
    assert names(current(scorecard)) == ["Tone"]


def test_renaming_onto_a_retired_criterion_is_refused():
    scorecard = make_scorecard("Tone", "Empathy")
    services.criterion_retire(scorecard=scorecard, key=criterion(scorecard, "Empathy").key)

    with pytest.raises(services.ScorecardError, match="restore it instead"):
        services.criterion_update(
            scorecard=scorecard, key=criterion(scorecard, "Tone").key, data=data("Empathy")
        )

    assert names(current(scorecard)) == ["Tone", "Empathy"]


def test_unknown_key_is_not_found():
    scorecard = make_scorecard("Tone")
    other = make_scorecard("Tone")

    with pytest.raises(Criterion.DoesNotExist):
        services.criterion_retire(scorecard=scorecard, key=criterion(other, "Tone").key)


# --- retire, restore, order --------------------------------------------------------------------


def test_retire_and_restore_keep_the_criterion_and_record_it():
    scorecard = make_scorecard("Greeting", "Tone")
    key = criterion(scorecard, "Greeting").key

    services.criterion_retire(scorecard=scorecard, key=key)
    retired = criterion(scorecard, "Greeting").is_active
    services.criterion_restore(scorecard=scorecard, key=key)

    assert retired is False
    assert criterion(scorecard, "Greeting").is_active
    assert current(scorecard).changes == ["Created", "Retired “Greeting”", "Restored “Greeting”"]


def test_retiring_on_a_locked_version_leaves_that_version_active():
    scorecard = make_scorecard("Greeting", "Tone")
    v1 = lock(scorecard)

    services.criterion_retire(scorecard=scorecard, key=v1.criteria.get(name="Greeting").key)

    assert v1.criteria.get(name="Greeting").is_active
    assert not current(scorecard).criteria.get(name="Greeting").is_active
    assert current(scorecard).number == 2


def test_retiring_twice_changes_nothing_the_second_time():
    scorecard = make_scorecard("Greeting")
    key = criterion(scorecard, "Greeting").key
    services.criterion_retire(scorecard=scorecard, key=key)

    edit = services.criterion_retire(scorecard=scorecard, key=key)

    assert not edit.changed
    assert current(scorecard).changes == ["Created", "Retired “Greeting”"]


def test_move_swaps_with_the_neighbour_in_the_same_group():
    groups = {"A": "Opening", "B": "Resolution", "C": "Opening"}
    scorecard = make_scorecard("A", "B", "C", groups=groups)

    edit = services.criterion_move(
        scorecard=scorecard, key=criterion(scorecard, "C").key, offset=-1
    )

    # Shown group by group (Opening: A, C; Resolution: B); C goes above A.
    assert names(current(scorecard)) == ["C", "A", "B"]
    assert edit.changes == ["Reordered criteria"]


def test_move_past_the_end_of_its_group_changes_nothing():
    groups = {"A": "Opening", "B": "Resolution", "C": "Opening"}
    scorecard = make_scorecard("A", "B", "C", groups=groups)

    edit = services.criterion_move(scorecard=scorecard, key=criterion(scorecard, "C").key, offset=1)

    assert not edit.changed
    assert names(current(scorecard)) == ["A", "B", "C"]


def test_reorder_puts_criteria_in_the_given_order():
    scorecard = make_scorecard("A", "B", "C")
    keys = {c.name: c.key for c in current(scorecard).criteria.all()}

    services.criteria_reorder(scorecard=scorecard, keys=[keys["C"], keys["A"], keys["B"]])

    assert names(current(scorecard)) == ["C", "A", "B"]
    assert current(scorecard).changes[-1] == "Reordered criteria"


def test_reorder_with_a_missing_key_is_refused_and_changes_nothing():
    scorecard = make_scorecard("A", "B")
    key_a = criterion(scorecard, "A").key

    with pytest.raises(services.ScorecardError, match="does not match"):
        services.criteria_reorder(scorecard=scorecard, keys=[key_a])

    assert names(current(scorecard)) == ["A", "B"]
    assert current(scorecard).changes == ["Created"]


# --- locking -----------------------------------------------------------------------------------


def test_version_lock_sets_locked_at_once():
    scorecard = make_scorecard("Tone")
    version = current(scorecard)

    first = services.scorecard_version_lock(version=version).locked_at
    second = services.scorecard_version_lock(version=version).locked_at

    assert first is not None and first == second
    assert version.is_locked


def test_editing_a_scorecard_without_versions_starts_version_one():
    scorecard = ScorecardFactory()

    services.criterion_add(scorecard=scorecard, data=data("Tone"))

    assert current(scorecard).number == 1
    assert names(current(scorecard)) == ["Tone"]


# --- criterion data and scales -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (ScaleInput(kind="stars"), "scale", "Unknown scale"),
        (ScaleInput(kind="numeric"), "points", "needs a number of points"),
        (ScaleInput(kind="numeric", points=11), "points", "from 2 to 10"),
        (ScaleInput(kind="numeric", points=3, labels=["a", "b"]), "labels", "one label per point"),
        (ScaleInput(kind="labels", labels=["Only"]), "labels", "at least two"),
        (ScaleInput(kind="labels", labels=["A", "a"]), "labels", "different"),
        (ScaleInput(kind="labels", labels=["A|B", "C"]), "labels", "cannot contain"),
        (ScaleInput(kind="numeric", points=5, fail_values=["6"]), "fail_values", "1 to 5"),
        (ScaleInput(kind="labels", labels=["A", "B"], fail_values=["C"]), "fail_values", "one of"),
        (ScaleInput(kind="binary", fail_values=["pass"]), "fail_values", "only “fail”"),
    ],
)
def test_build_scale_names_the_wrong_part(raw, field, message):
    with pytest.raises(SpecError, match=message) as error:
        build_scale(raw)

    assert error.value.field == field


def test_build_scale_reads_fail_values_as_written_on_the_scale():
    scale = build_scale(
        ScaleInput(kind="labels", labels=["Missed", "Partly", "Fully"], fail_values=["partly"])
    )

    assert scale.fail_values == (1,)


@pytest.mark.parametrize(
    ("weight", "message"),
    [(Decimal("-1"), "zero or more"), (Decimal("0.125"), "two decimals"), (10000, "at most")],
)
def test_criterion_data_refuses_bad_weights(weight, message):
    with pytest.raises(SpecError, match=message):
        data("Tone", weight=weight)


# --- critical criteria and fail values -----------------------------------------------------------

NO_FAILS = Scale(kind=ScaleKind.NUMERIC, points=5)


def test_a_critical_criterion_that_cannot_fail_is_refused_and_changes_nothing():
    scorecard = make_scorecard("Tone")

    with pytest.raises(services.ScorecardError, match="needs at least one value") as failure:
        services.criterion_add(
            scorecard=scorecard, data=data("Safety", scale=NO_FAILS, critical=True)
        )

    assert failure.value.field == "fail_values"
    assert names(current(scorecard)) == ["Tone"]
    with pytest.raises(services.ScorecardError, match="needs at least one value"):
        services.scorecard_create(
            team=TeamFactory(), name="X", criteria=[data("Safety", scale=NO_FAILS, critical=True)]
        )


def test_an_older_critical_criterion_without_fail_values_does_not_block_other_edits():
    scorecard = make_scorecard("Tone", "Safety")
    Criterion.objects.filter(name="Safety").update(critical=True, fail_values=[])

    services.criterion_add(scorecard=scorecard, data=data("Empathy"))
    services.criterion_retire(scorecard=scorecard, key=criterion(scorecard, "Safety").key)

    assert names(current(scorecard)) == ["Tone", "Safety", "Empathy"]


def test_a_duplicate_name_error_names_the_name_field():
    scorecard = make_scorecard("Tone")

    with pytest.raises(services.ScorecardError) as failure:
        services.criterion_add(scorecard=scorecard, data=data("tone"))

    assert failure.value.field == "name"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bad, really", ["Bad, really"]),
        ("Bad,really, Poor", ["Bad, really", "Poor"]),
        ("Poor, Good, mostly", ["Poor", "Good, mostly"]),
        ("Bad, really | Poor", ["Bad, really", "Poor"]),
        ("Bad, really\nPoor", ["Bad, really", "Poor"]),
        ("1, 2", ["1", "2"]),
    ],
)
def test_fail_values_may_name_labels_with_commas(text, expected):
    from scorecards.specs import parse_fail_text

    labels = ["Good, mostly", "Poor", "Bad, really"]

    assert parse_fail_text(text, labels) == expected
