"""Blindness probed from outside, as an attacker would: every page and download of a session
(and the admin, and the `calibration_report` command) fetched as every role, before and after
the reveal, searched for ratings the viewer may not see.

Every scorer writes a comment that is a unique marker; a comment travels with its rating in
every structure (snapshot, summary, CSV rows, report), so a marker found where it must not be
is a leaked rating. Covered: the facilitator-also-scores option, a baseline reviewer, a
reviewer excluded at the reveal (drafts only), an interaction left unrevealed, anonymous
reveals (aliases, never which alias is whom) and a superuser in the admin.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.urls import reverse

from sessions import services
from sessions.models import UnsubmittedPolicy
from teams.models import Role

from .factories import MembershipFactory, SessionWorld, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def marker(user, item) -> str:
    return f"MARK{user.pk}X{item.pk}Q"


MARKER = re.compile(r"MARK(\d+)X(\d+)Q")


@dataclass
class Probe:
    world: SessionWorld
    viewers: dict  # role -> user (None: anonymous)
    scorers: dict  # role -> user
    superuser: object


def build(*, anonymous: bool) -> Probe:
    """reviewers[0] submits, reviewers[1] (the baseline) submits, reviewers[2] saves drafts
    only; the facilitator scores too. Item 0 is revealed excluding drafts; item 1 is not."""
    world = SessionWorld(reviewers=3, anonymous=anonymous, facilitator_scores=True).start()
    session = world.session
    session.baseline = world.reviewers[1]
    session.save(update_fields=["baseline"])
    team = world.team
    non_participant, manager, team_admin = (
        UserFactory(username=f"np{team.pk}"),
        UserFactory(username=f"mg{team.pk}"),
        UserFactory(username=f"ad{team.pk}"),
    )
    MembershipFactory(team=team, user=non_participant, role=Role.REVIEWER)
    MembershipFactory(team=team, user=manager, role=Role.MANAGER)
    MembershipFactory(team=team, user=team_admin, role=Role.ADMIN)
    outsider = UserFactory(username=f"out{team.pk}")
    MembershipFactory(team=TeamFactory(), user=outsider, role=Role.ADMIN)
    scorers = {
        "reviewer": world.reviewers[0],
        "baseline": world.reviewers[1],
        "excluded": world.reviewers[2],
        "facilitator": world.facilitator,
    }
    for user in scorers.values():
        for item in world.items:
            world.score_all(user, item, (1, 3, 2), comment=marker(user, item))
    for role in ("reviewer", "baseline", "facilitator"):
        world.submit(scorers[role], world.items[0])
    viewers = {
        "anonymous": None,
        "outsider": outsider,
        "non_participant": non_participant,
        **scorers,
        "manager": manager,
        "admin": team_admin,
    }
    superuser = UserFactory(username=f"root{team.pk}", is_staff=True, is_superuser=True)
    return Probe(world=world, viewers=viewers, scorers=scorers, superuser=superuser)


def reveal_first_item(probe: Probe) -> None:
    world = probe.world
    services.session_reveal(
        session_id=world.session.pk,
        actor=world.facilitator,
        item_id=world.items[0].pk,
        unsubmitted_policy=UnsubmittedPolicy.EXCLUDE,
    )


def session_urls(session) -> list[str]:
    pk = session.pk
    profiles = [reverse("reports:reviewer", args=[p.user_id]) for p in session.participants.all()]
    reports = [
        reverse(name)
        for name in ("reports:history", "reports:trends", "reports:reviewers", "reports:criteria")
    ]
    return [
        *profiles,
        *reports,
        *(f"{url}?format=csv" for url in [*profiles, *reports]),  # their downloads
        reverse("scorecards:detail", args=[session.scorecard_version.scorecard_id]),
        reverse("sessions:list"),
        reverse("sessions:room", args=[pk]),
        reverse("sessions:present", args=[pk]),
        reverse("sessions:summary", args=[pk]),
        reverse("sessions:ratings_csv", args=[pk]),
        reverse("sessions:join", args=[session.join_code]),
        reverse("reports:session_report", args=[pk, "json"]),
        reverse("reports:session_report", args=[pk, "csv"]),
    ]


def admin_urls(session) -> list[str]:
    from django.contrib.admin.models import LogEntry

    from sessions.models import Participant, Revision, Score

    urls = [
        "/admin/calibration_sessions/score/",
        "/admin/calibration_sessions/score/?included__exact=0",
        "/admin/calibration_sessions/revision/",
        "/admin/calibration_sessions/submission/",
        "/admin/calibration_sessions/participant/",
        f"/admin/calibration_sessions/calibrationsession/{session.pk}/change/",
        "/admin/admin/logentry/",
    ]
    for score in Score.objects.filter(item__session=session):
        urls += [
            f"/admin/calibration_sessions/score/{score.pk}/change/",
            f"/admin/calibration_sessions/score/{score.pk}/history/",
        ]
    urls += [f"/admin/calibration_sessions/revision/{r.pk}/change/" for r in Revision.objects.all()]
    urls += [
        f"/admin/calibration_sessions/participant/{p.pk}/change/"
        for p in Participant.objects.filter(session=session)
    ]
    urls += [f"/admin/admin/logentry/{e.pk}/change/" for e in LogEntry.objects.all()]
    return urls


def fetch_all(client, user, urls) -> dict[str, str]:
    client.logout()
    if user is not None:
        client.force_login(user)
    pages = {}
    for url in urls:
        response = client.get(url, follow=True)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        pages[url] = body.decode()
    client.logout()
    return pages


def command_outputs(session) -> dict[str, str]:
    outputs = {}
    for fmt in ("json", "csv"):
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "calibration_report",
            str(session.pk),
            "--format",
            fmt,
            "--resamples",
            "0",
            stdout=out,
            stderr=err,
        )
        outputs[f"calibration_report --format {fmt}"] = out.getvalue() + err.getvalue()
    return outputs


def markers_in(text: str) -> set[tuple[int, int]]:
    return {(int(user), int(item)) for user, item in MARKER.findall(text)}


def allowed_markers(probe: Probe, viewer) -> set[tuple[int, int]]:
    """What `viewer` may read: their own comments, and the included ones of revealed
    interactions (anyone in the team; nobody outside it)."""
    world = probe.world
    own = {(viewer.pk, item.pk) for item in world.items} if viewer is not None else set()
    revealed = world.items[0] if world.session.items.get(pk=world.items[0].pk).is_revealed else None
    if revealed is None:
        return own
    included = {
        (probe.scorers[role].pk, revealed.pk) for role in ("reviewer", "baseline", "facilitator")
    }
    return own | included


def leaks(pages: dict[str, str], allowed: set, probe: Probe) -> list[str]:
    scorer_ids = {user.pk for user in probe.scorers.values()}
    found = []
    for url, text in pages.items():
        for user_id, item_id in sorted(markers_in(text) - allowed):
            if user_id in scorer_ids:
                found.append(f"{url}: rating of user {user_id} on item {item_id}")
    return found


# --- before and after the reveal, every role -------------------------------------------------


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_before_the_reveal_every_role_sees_only_their_own_ratings(client, anonymous):
    probe = build(anonymous=anonymous)
    urls = session_urls(probe.world.session)
    found = []

    for role, viewer in probe.viewers.items():
        pages = fetch_all(client, viewer, urls)
        found += [f"{role}: {line}" for line in leaks(pages, allowed_markers(probe, viewer), probe)]
        if viewer is not None and role in probe.scorers:
            own = marker(viewer, probe.world.items[0])
            assert any(own in page for page in pages.values()), f"{role} lost their own rating"

    assert not found, "\n".join(found)


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_after_a_reveal_excluding_drafts_no_one_sees_excluded_or_unrevealed_ratings(
    client, anonymous
):
    probe = build(anonymous=anonymous)
    reveal_first_item(probe)
    urls = session_urls(probe.world.session)
    found = []

    for role, viewer in probe.viewers.items():
        pages = fetch_all(client, viewer, urls)
        allowed = allowed_markers(probe, viewer)
        found += [f"{role}: {line}" for line in leaks(pages, allowed, probe)]
        if role not in ("anonymous", "outsider"):
            # The probe must be able to see what it looks for: the ratings download holds
            # every revealed, included comment.
            table = pages[reverse("sessions:ratings_csv", args=[probe.world.session.pk])]
            if not markers_in(table) >= allowed_markers(probe, None):
                found.append(f"{role}: the ratings download misses revealed ratings")

    assert not found, "\n".join(found)


@pytest.mark.parametrize("revealed", [False, True], ids=["before", "after"])
def test_the_calibration_report_command_prints_revealed_included_ratings_only(revealed):
    probe = build(anonymous=False)
    if revealed:
        reveal_first_item(probe)

    outputs = command_outputs(probe.world.session)

    assert leaks(outputs, allowed_markers(probe, None), probe) == []


@pytest.mark.parametrize("revealed", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_a_superuser_in_the_admin_sees_no_blind_rating(client, revealed, anonymous):
    probe = build(anonymous=anonymous)
    if revealed:
        reveal_first_item(probe)

    pages = fetch_all(client, probe.superuser, admin_urls(probe.world.session))

    assert leaks(pages, allowed_markers(probe, None), probe) == []


# --- anonymous reveals: aliases, never which alias is whom -----------------------------------


class _Tree(HTMLParser):
    """Text of every element, with each text run's chain of enclosing elements."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area"}

    def __init__(self):
        super().__init__()
        self.stack: list[list[str]] = [[]]
        self.runs: list[tuple[str, list[int]]] = []
        self.elements: list[list[str]] = []
        self.open: list[int] = []
        self.raw = False

    def handle_starttag(self, tag, attrs):
        self.raw = tag in ("script", "style")
        if tag in self.VOID:
            return
        self.elements.append([])
        self.open.append(len(self.elements) - 1)

    def handle_endtag(self, tag):
        self.raw = False
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data):
        if self.raw:
            return  # the embedded snapshot is checked as JSON
        for index in self.open:
            self.elements[index].append(data)
        self.runs.append((data, list(self.open)))


def rating_units(html: str, mark: str) -> list[str]:
    """For each place the marker appears: the smallest enclosing element that also names a
    rater (an alias): the rating as a reader sees it, with its label."""
    tree = _Tree()
    tree.feed(html)
    units = []
    for data, chain in tree.runs:
        if mark not in data:
            continue
        for index in reversed(chain):
            text = "".join(tree.elements[index])
            if "Reviewer " in text or "Facilitator" in text:
                units.append(text)
                break
    return units


def json_units(value, mark: str) -> list[str]:
    """The smallest JSON objects holding the marker, as text."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            hits = [walk(child) for child in node.values()]
            if any(hits) and not any(hit == "inner" for hit in hits):
                found.append(json.dumps(node, ensure_ascii=False))
                return "inner"
            return "inner" if any(hits) else False
        if isinstance(node, list):
            hits = [walk(child) for child in node]
            return "inner" if "inner" in hits else any(hits)
        return isinstance(node, str) and mark in node

    walk(value)
    return found


def identities(user) -> list[str]:
    return [name for name in {user.username, user.get_full_name(), user.first_name} if name]


def test_after_an_anonymous_reveal_no_page_or_file_says_which_alias_is_whom(client):
    probe = build(anonymous=True)
    reveal_first_item(probe)
    session, item = probe.world.session, probe.world.items[0]
    participants = {p.user_id: p for p in session.participants.all()}
    urls = session_urls(session)
    problems = []

    for role, viewer in probe.viewers.items():
        if viewer is None or role == "outsider":
            continue
        pages = fetch_all(client, viewer, urls)
        for other_role in ("reviewer", "baseline", "facilitator"):
            other = probe.scorers[other_role]
            if other == viewer:
                continue
            mark, alias = marker(other, item), participants[other.pk].alias
            names = identities(other)
            for url, text in pages.items():
                if url.endswith((".csv", "format=csv")):
                    rows = [",".join(row) for row in csv.reader(io.StringIO(text))]
                    units = [row for row in rows if mark in row]
                elif url.endswith(".json"):
                    units = json_units(json.loads(text), mark)
                else:
                    units = rating_units(text, mark)
                    snapshot = re.search(
                        r'<script id="initial-snapshot" type="application/json">(.*?)</script>',
                        text,
                        re.S,
                    )
                    if snapshot:
                        units += json_units(json.loads(snapshot.group(1)), mark)
                for unit in units:
                    if alias not in unit:
                        problems.append(f"{role} on {url}: {other_role}'s rating without alias")
                    for name in names:
                        if re.search(rf"\b{re.escape(name)}\b", unit):
                            problems.append(f"{role} on {url}: {other_role}'s rating by name")
                    if str(other.pk) in re.findall(
                        r'"(?:user_id|user|participant_id)": (\d+)', unit
                    ):
                        problems.append(f"{role} on {url}: {other_role}'s rating by id")

    assert not problems, "\n".join(sorted(set(problems)))
