"""Heartbeats: a write only when the row is getting old, and the sweep only when asked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions import services
from sessions.models import CONNECTION_EXPIRY, Connection
from sessions.services.presence import TOUCH_AFTER

from .factories import SessionWorld

pytestmark = pytest.mark.django_db


def opened(world, channel, age: timedelta):
    services.connection_open(
        session_id=world.session.pk, user=world.reviewers[0], channel_name=channel
    )
    Connection.objects.filter(channel_name=channel).update(last_seen_at=timezone.now() - age)
    return Connection.objects.get(channel_name=channel).last_seen_at


def test_a_heartbeat_on_a_fresh_row_writes_nothing(django_assert_num_queries):
    world = SessionWorld().start()
    seen = opened(world, "live!1", timedelta(seconds=1))

    with django_assert_num_queries(1):  # the conditional update, matching no row
        services.connection_touch(channel_name="live!1", session_id=world.session.pk, sweep=False)

    assert Connection.objects.get(channel_name="live!1").last_seen_at == seen


def test_a_heartbeat_on_an_older_row_touches_it():
    world = SessionWorld().start()
    seen = opened(world, "live!1", TOUCH_AFTER + timedelta(seconds=1))

    services.connection_touch(channel_name="live!1", session_id=world.session.pk, sweep=False)

    assert Connection.objects.get(channel_name="live!1").last_seen_at > seen


def test_the_sweep_deletes_dead_connections_and_names_the_version():
    world = SessionWorld().start()
    opened(world, "live!1", timedelta(seconds=1))
    opened(world, "dead!1", CONNECTION_EXPIRY + timedelta(seconds=1))

    version = services.connection_touch(channel_name="live!1", session_id=world.session.pk)

    assert list(Connection.objects.values_list("channel_name", flat=True)) == ["live!1"]
    world.session.refresh_from_db()
    assert version == world.session.version


def test_without_the_sweep_a_dead_connection_stays_until_the_next_one():
    world = SessionWorld().start()
    opened(world, "dead!1", CONNECTION_EXPIRY + timedelta(seconds=1))

    result = services.connection_touch(
        channel_name="live!2", session_id=world.session.pk, sweep=False
    )

    assert result is None
    assert Connection.objects.filter(channel_name="dead!1").exists()
