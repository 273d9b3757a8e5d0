import csv
import datetime as dt
import io
import json
import shlex
from contextlib import chdir
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


# --------------------------------------------------------------------------- export_history
def closed_world():
    """A closed session with N/A, comments with commas and quotes, and all three scales."""
    from sessions.models import SessionStatus

    world = SessionWorld(reviewers=3).start()
    values = [(1, 4, 2), (1, None, 1), (0, 2, 0)]
    for reviewer, codes in zip(world.reviewers, values, strict=True):
        for item in world.items:
            world.score_all(reviewer, item, codes, comment='Refund promised, "no date"')
            world.submit(reviewer, item)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)
    services.session_close(session_id=world.session.pk, actor=world.facilitator)
    CalibrationSession.objects.filter(pk=world.session.pk).update(held_on_date="2026-03-02")
    assert CalibrationSession.objects.get(pk=world.session.pk).status == SessionStatus.CLOSED
    return world


def history_of(team_name: str) -> list[tuple]:
    """Everything a history holds, by names (ids differ between databases)."""
    from sessions.models import Score, SessionSummary

    out = []
    for session in CalibrationSession.objects.filter(team__name=team_name).order_by("title"):
        ratings = sorted(
            (
                s.item.interaction.external_id,
                s.item.interaction.channel,
                s.criterion.name,
                s.participant.user.username,
                s.value,
                s.is_na,
                s.comment,
            )
            for s in Score.objects.filter(item__session=session).select_related(
                "item__interaction", "criterion", "participant__user"
            )
        )
        summary = SessionSummary.objects.get(session=session)
        out.append(
            (
                session.title,
                session.held_on_date,
                session.scorecard_version.scorecard.name,
                session.status,
                summary.n_reviewers,
                summary.n_ratings,
                round(summary.alpha["alpha"], 9),
                ratings,
            )
        )
    return out


def export(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_history", *args, stdout=out, stderr=err)
    return out.getvalue()


# Outside a test transaction: PostgreSQL refuses to flush (TRUNCATE) tables whose deferred
# foreign-key checks are still pending in the transaction.
@pytest.mark.django_db(transaction=True)
def test_export_then_import_into_an_empty_database_gives_the_same_history(tmp_path):
    world = closed_world()
    team = world.team.name
    before = history_of(team)
    scorecards, history = tmp_path / "scorecards.json", tmp_path / "history.csv"
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("export_scorecards", "--team", team, "--output", str(scorecards), **quiet)
    call_command("export_history", "--team", team, "--output", str(history), **quiet)

    call_command("flush", interactive=False, verbosity=0)
    assert not CalibrationSession.objects.exists()
    from teams.models import Team

    Team.objects.create(name=team)
    call_command("import_scorecard", str(scorecards), "--team", team, stdout=io.StringIO())
    call_command("import_history", str(history), "--team", team, stdout=io.StringIO())

    assert history_of(team) == before
    assert before[0][-1]  # it had ratings to compare
    assert any(rating[5] for rating in before[0][-1])  # among them an N/A


def test_export_history_writes_the_import_format_one_row_per_rating():
    world = closed_world()

    rows = list(csv.reader(io.StringIO(export("--team", world.team.name))))

    assert rows[0] == [
        "session", "date", "scorecard", "interaction", "channel",
        "criterion", "reviewer", "score", "comment",
    ]  # fmt: skip
    assert len(rows) == 1 + 3 * 2 * 3  # 3 reviewers x 2 interactions x 3 criteria
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["session"] == "Weekly calibration" and first["date"] == "2026-03-02"
    assert {row[7] for row in rows[1:]} >= {"pass", "fail", "N/A", "4", "Missed", "Fully"}
    assert {row[8] for row in rows[1:]} == {'Refund promised, "no date"'}


def test_export_history_keeps_to_the_dates_and_tells_apart_sessions_of_one_title():
    from .test_reports_pages import add_closed_session

    world = closed_world()
    add_closed_session(world, held=dt.date(2026, 4, 6), title="Weekly calibration")

    every = list(csv.reader(io.StringIO(export("--team", world.team.name))))[1:]
    april = list(
        csv.reader(io.StringIO(export("--team", world.team.name, "--from", "2026-04-01")))
    )[1:]
    march = list(csv.reader(io.StringIO(export("--team", world.team.name, "--to", "2026-03-31"))))

    assert {row[0] for row in every} == {
        "Weekly calibration (2026-03-02)",
        "Weekly calibration (2026-04-06)",
    }
    assert {row[1] for row in april} == {"2026-04-06"}
    assert {row[1] for row in march[1:]} == {"2026-03-02"}


@pytest.mark.parametrize(
    "args,message",
    [
        (["--team", "Nobody"], "No team is called 'Nobody'"),
        (["--from", "2026-13-01"], "--from: cannot read"),
        (["--from", "2026-05-01", "--to", "2026-04-01"], "--from must not be after --to"),
    ],
)
def test_export_history_refuses_bad_options_clearly(args, message):
    world = closed_world()
    if args[0] != "--team":
        args = ["--team", world.team.name, *args]

    with pytest.raises(CommandError, match=message):
        export(*args)


def test_export_history_leaves_out_open_sessions_and_unrevealed_ratings():
    world = SessionWorld(reviewers=2).start()
    for reviewer in world.reviewers:
        world.score_all(reviewer, world.items[0], (1, 3, 1))

    rows = list(csv.reader(io.StringIO(export("--team", world.team.name))))

    assert rows == [rows[0]]


# --------------------------------------------------------------------------- README example
def readme_example_command() -> list[str]:
    """The import command the README shows for examples/history.csv, as a new user types it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    line = next(
        line.strip()
        for line in readme.splitlines()
        if line.strip().startswith("python manage.py import_history examples/history.csv")
    )
    return shlex.split(line)[2:]


@pytest.mark.parametrize("seeded", [False, True])
def test_the_readme_history_example_imports_with_the_command_it_shows(seeded):
    if seeded:
        call_command("seed_demo", stdout=io.StringIO())
    command, *args = readme_example_command()
    out = io.StringIO()

    with chdir(REPO):
        call_command(command, *args, stdout=out, stderr=io.StringIO())

    assert "Imported 2 sessions with 46 ratings" in out.getvalue()
    assert "ordered labels Missed / Partly / Fully" in out.getvalue()
    session = CalibrationSession.objects.get(title="March calibration")
    assert session.held_on_date == dt.date(2024, 3, 7)
    assert session.closed_at.date() == dt.date(2024, 3, 7)  # held, not imported, that day


def test_export_history_dates_a_live_session_by_its_close():
    world = closed_world()
    CalibrationSession.objects.filter(pk=world.session.pk).update(held_on_date=None)
    closed = CalibrationSession.objects.get(pk=world.session.pk).closed_at.date()

    rows = list(
        csv.reader(io.StringIO(export("--team", world.team.name, "--from", closed.isoformat())))
    )

    assert len(rows) == 1 + 18
    assert {row[1] for row in rows[1:]} == {closed.isoformat()}
