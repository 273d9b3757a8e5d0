"""sessions.models: constants the browser relies on."""

import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from sessions.models import CONNECTION_EXPIRY, HEARTBEAT_SECONDS


def test_the_browser_beats_as_often_as_presence_expects():
    """Presence expires after three missed heartbeats: the browser's beat is the server's."""
    source = (Path(settings.BASE_DIR) / "static/js/live/socket.js").read_text()
    beat = re.search(r"export const HEARTBEAT_EVERY_MS = (\d+);", source)
    assert beat, "static/js/live/socket.js declares HEARTBEAT_EVERY_MS"
    assert int(beat.group(1)) == HEARTBEAT_SECONDS * 1000
    assert timedelta(seconds=3 * HEARTBEAT_SECONDS) == CONNECTION_EXPIRY
    assert HEARTBEAT_SECONDS == 5
