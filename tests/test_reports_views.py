"""The report downloads: scoped to the viewer's team, through the viewer's visibility."""

import json

import pytest

from .factories import SessionWorld
from .test_reports_commands import revealed_world

pytestmark = pytest.mark.django_db


def test_report_download_is_scoped_to_the_team(client):
    world = revealed_world()
    other = SessionWorld()
    client.force_login(world.reviewers[0])

    ok = client.get(f"/reports/sessions/{world.session.pk}/report.json")
    foreign = client.get(f"/reports/sessions/{other.session.pk}/report.json")
    wrong_format = client.get(f"/reports/sessions/{world.session.pk}/report.xml")

    assert ok.status_code == 200
    assert json.loads(ok.content)["statistics"]["criteria"]
    assert foreign.status_code == 404
    assert wrong_format.status_code == 404


def test_report_json_lists_as_reviewers_only_those_who_rated(client):
    world = revealed_world()  # the facilitator does not score in this session
    client.force_login(world.facilitator)

    document = json.loads(client.get(f"/reports/sessions/{world.session.pk}/report.json").content)

    names = set(document["reviewers"].values())
    assert len(names) == 3
    assert not any("Fiona" in name for name in names)


def test_the_session_list_counts_as_people_only_those_who_score(client):
    from sessions.models import CalibrationSession
    from sessions.selectors import sessions_for_team

    world = revealed_world()  # three reviewers; the facilitator takes part without scoring
    client.force_login(world.facilitator)
    assert world.session.participants.count() == 4

    counted = sessions_for_team(team=world.team).get(pk=world.session.pk).participant_count
    CalibrationSession.objects.filter(pk=world.session.pk).update(facilitator_scores=True)
    scoring = sessions_for_team(team=world.team).get(pk=world.session.pk).participant_count
    page = client.get("/sessions/")

    assert counted == 3
    assert scoring == 4  # a facilitator who scores is one of the people who rate
    assert page.status_code == 200
