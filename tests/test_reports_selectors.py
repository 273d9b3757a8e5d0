"""The report document: figures with the names a reader needs, through the viewer policy."""

import json

import pytest

from reports.selectors import session_report_document
from sessions import services

from .factories import SessionWorld

pytestmark = pytest.mark.django_db


def scored_world(**options):
    world = SessionWorld(**options).start()
    world.score_all(world.reviewers[0], world.items[0], (1, 4, 2), comment="why A")
    world.score_all(world.reviewers[1], world.items[0], (0, 2, 0), comment="why B")
    world.submit(world.reviewers[0], world.items[0])
    world.submit(world.reviewers[1], world.items[0])
    return world


def test_anonymous_report_is_keyed_by_alias():
    world = scored_world(anonymous=True)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    document = session_report_document(session=world.session, viewer=world.facilitator)

    keys = set(document["statistics"]["reviewers"])
    assert len(keys) == 2 and keys <= {"Reviewer A", "Reviewer B", "Reviewer C"}
    own_name = world.facilitator.get_full_name()
    assert set(document["reviewers"]) - {own_name} <= {"Reviewer A", "Reviewer B", "Reviewer C"}
    text = json.dumps(document)
    for reviewer in world.reviewers:
        assert reviewer.last_name not in text
