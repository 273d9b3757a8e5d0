import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sessions import services
from sessions.history import import_history
from sessions.models import CalibrationSession, SessionSource

from .factories import SessionWorld

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent


def revealed_world():
    world = SessionWorld().start()
    for reviewer, values in zip(world.reviewers, [(1, 4, 2), (1, 3, 2), (0, 2, 1)], strict=True):
        for item in world.items:
            world.score_all(reviewer, item, values, comment="why")
            world.submit(reviewer, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    services.consensus_save(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=3,
        note="Middle ground",
    )
    return world


def run(*args):
    out = io.StringIO()
    call_command("calibration_report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_calibration_report_json_has_alpha_with_interval_and_reviewer_figures():
    world = revealed_world()

    document = json.loads(run(str(world.session.pk), "--format", "json", "--resamples", "200"))

    stats = document["statistics"]
    numeric = stats["criteria"][str(world.numeric.pk)]
    assert numeric["alpha"]["level"] == "ordinal"
    assert "reading" in numeric["alpha"]
    assert set(stats["reviewers"]) == {
        str(p.pk) for p in world.session.participants.filter(role="reviewer")
    }
    assert document["criteria"][str(world.numeric.pk)]["name"] == "Empathy"
    assert stats["session"]["n_resamples"] == 200


def test_calibration_report_csv_writes_one_figure_per_row(tmp_path):
    world = revealed_world()
    target = tmp_path / "report.csv"

    run(str(world.session.pk), "--format", "csv", "--output", str(target), "--resamples", "50")

    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert {row["scope"] for row in rows} >= {"session", "interaction", "criterion", "reviewer"}
    assert any(row["figure"] == "alpha.alpha" and row["name"] == "Empathy" for row in rows)


def test_calibration_report_for_an_unknown_session_fails_clearly():
    with pytest.raises(CommandError, match="No session with id 999999"):
        run("999999")


def test_calibration_report_before_the_reveal_has_no_figures():
    world = SessionWorld().start()
    world.score_all(world.reviewers[0], world.items[0], (1, 4, 2), comment="secret")

    output = run(str(world.session.pk))

    assert json.loads(output)["statistics"] is None
    assert "secret" not in output


def test_calibration_report_works_on_an_imported_session():
    data = (REPO / "examples" / "history.csv").read_bytes()
    from .factories import TeamFactory

    TeamFactory()
    import_history(data=data, team_name=None, create_missing=True)
    session = CalibrationSession.objects.filter(source=SessionSource.IMPORT).first()

    document = json.loads(run(str(session.pk), "--resamples", "100"))

    assert document["session"]["source"] == "import"
    assert document["statistics"]["session"]["n_ratings"] > 0
