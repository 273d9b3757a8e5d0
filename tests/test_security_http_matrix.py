"""The HTTP permission matrix: every URL of the URLconf × every role × every session state,
GET and POST, each cell with its expected status; a refused POST changes nothing.

The URL list is walked from the URLconf itself, so a new URL without a row in EXPECTED fails
`test_every_url_has_a_row`. Admin, static and media URLs have their own small checks below.
Each cell runs in a savepoint that is rolled back, so an allowed POST (a member removed, a
session created) never changes what the next cell sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from interactions.models import HelpdeskConnection
from scorecards.scales import ScaleKind
from sessions import services
from sessions.models import SessionStatus
from teams.models import Membership, Role

from .factories import (
    CriterionFactory,
    InteractionFactory,
    MembershipFactory,
    ScorecardVersionFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "outsider",  # an admin of another team: passes every role check, then must get 404
    "non_participant",  # a reviewer of the team, not in the session
    "reviewer",
    "baseline",
    "facilitator",
    "manager",
    "admin",
]
STATES = [SessionStatus.DRAFT, SessionStatus.SCORING, SessionStatus.REVEALED, SessionStatus.CLOSED]
IN_SESSION = {"reviewer", "baseline", "facilitator"}
CONTENT = {"facilitator", "admin"}
MEMBERS = {"admin"}
REPORTS = {"manager", "admin"}
TEAM = set(ROLES) - {"anonymous"}
LOGIN = "login"  # the expected answer of an anonymous request to a protected page


# --- the fixture world ---------------------------------------------------------------------


@dataclass
class World:
    users: dict
    sessions: dict
    scorecard: object
    version: object
    criterion: object
    interaction: object
    template: object
    connection: object
    membership: object
    extra: dict = field(default_factory=dict)


def build_world() -> World:
    team, other = TeamFactory(name="Home team"), TeamFactory(name="Other team")
    roles = {
        "non_participant": Role.REVIEWER,
        "reviewer": Role.REVIEWER,
        "baseline": Role.REVIEWER,
        "facilitator": Role.FACILITATOR,
        "manager": Role.MANAGER,
        "admin": Role.ADMIN,
    }
    users = {name: UserFactory(username=f"m_{name}") for name in roles}
    for name, role in roles.items():
        MembershipFactory(team=team, user=users[name], role=role)
    users["outsider"] = UserFactory(username="m_outsider")
    UserFactory(username="m_loner")  # in no team: the one a member_add adds
    MembershipFactory(team=other, user=users["outsider"], role=Role.ADMIN)
    version = ScorecardVersionFactory(scorecard__team=team)
    criterion = CriterionFactory(version=version, name="Empathy", scale_kind=ScaleKind.NUMERIC)
    interactions = [InteractionFactory(team=team) for _ in range(3)]
    sessions = {}
    for state in STATES:
        session = services.session_create(
            team=team,
            facilitator=users["facilitator"],
            title=f"Session {state}",
            scorecard_version=version,
            interactions=interactions[:1],
            reviewers=[users["reviewer"], users["baseline"]],
            options=services.SessionOptions(baseline_user_id=users["baseline"].pk),
        )
        actor = users["facilitator"]
        if state != SessionStatus.DRAFT:
            services.session_start(session_id=session.pk, actor=actor)
        if state in (SessionStatus.REVEALED, SessionStatus.CLOSED):
            services.session_reveal(session_id=session.pk, actor=actor)
        if state == SessionStatus.CLOSED:
            services.session_close(session_id=session.pk, actor=actor)
        session.refresh_from_db()
        assert session.status == state
        sessions[state] = session
    template = services.session_template_create(
        team=team,
        creator=users["facilitator"],
        name="Weekly",
        scorecard=version.scorecard,
        reviewers=[users["reviewer"]],
        channel_rotation=[],
        sample_size=1,
    )
    connection = HelpdeskConnection.objects.create(
        team=team,
        kind="zendesk",
        name="Acme Zendesk",
        site="acme",
        auth="api_token",
        email="qa@acme.example",
        secret_encrypted="not-a-real-secret",
    )
    membership = Membership.objects.get(team=team, user=users["non_participant"])
    revealed = sessions[SessionStatus.REVEALED]
    services.consensus_save(
        session_id=revealed.pk,
        actor=users["facilitator"],
        item_id=revealed.items.first().pk,
        criterion_id=criterion.pk,
        value=3,
        note="Read it this way from now on",  # a calibration note for the notes' URLs
    )
    return World(
        users=users,
        sessions=sessions,
        scorecard=version.scorecard,
        version=version,
        criterion=criterion,
        interaction=interactions[0],
        template=template,
        connection=connection,
        membership=membership,
    )


# --- expectations ----------------------------------------------------------------------------

Rule = Callable[[str, str], int]  # (role, state) -> status


def always(status: int) -> Rule:
    return lambda role, state: status


def logged_in(status: int, anonymous: int | str = LOGIN) -> Rule:
    return lambda role, state: anonymous if role == "anonymous" else status


def team_page(status: int = 200, *, foreign: int | None = None, method_ok: bool = True) -> Rule:
    """A page of the member's current team: everyone with a team gets it; an outsider asking
    for one of this team's objects (foreign=404) does not."""

    def rule(role, state):
        if role == "anonymous":
            return LOGIN
        if role == "outsider" and foreign is not None:
            return foreign
        return status if method_ok else 405

    return rule


def role_page(allowed: set, status: int = 200, *, foreign: int | None = None) -> Rule:
    """Only `allowed` roles (403 for the others); an outsider (an admin elsewhere) gets
    `foreign` for this team's objects, or `status` for a page of their own team."""

    def rule(role, state):
        if role == "anonymous":
            return LOGIN
        if role == "outsider":
            return foreign if foreign is not None else status
        return status if role in allowed else 403

    return rule


def not_allowed_method(rule: Rule) -> Rule:
    """A POST-only URL asked with GET: 405 once the decorators let the user through."""

    def wrapped(role, state):
        expected = rule(role, state)
        return expected if expected in (LOGIN, 403) else 405

    return wrapped


def room(role, state):
    if role == "anonymous":
        return LOGIN
    if role == "outsider":
        return 404
    if state == SessionStatus.CLOSED:
        return 302  # to the summary
    return 200 if role in IN_SESSION else 403


def present(role, state):
    if role == "anonymous":
        return LOGIN
    if role == "outsider":
        return 404
    return 200 if role in IN_SESSION else 403


def join_get(role, state):
    if role == "anonymous":
        return LOGIN
    if role == "outsider":
        return 404
    if role in IN_SESSION:
        return 302  # already in: to the room
    return 403 if state in (SessionStatus.REVEALED, SessionStatus.CLOSED) else 200


def join_post(role, state):
    if role in ("anonymous", "outsider"):
        return join_get(role, state)
    if role in IN_SESSION:
        return 302
    return 403 if state in (SessionStatus.REVEALED, SessionStatus.CLOSED) else 302


def reviewers_page(role, state):
    """Managers and admins see everyone's figures; anyone else is sent to their own."""
    if role == "anonymous":
        return LOGIN
    return 200 if role in REPORTS | {"outsider"} else 302


def reviewer_profile(role, state):
    """The profile of the session's reviewer: theirs, and their team's managers' and admins'."""
    if role == "anonymous":
        return LOGIN
    if role == "outsider":
        return 404
    return 200 if role in REPORTS | {"reviewer"} else 404


@dataclass(frozen=True)
class Row:
    get: Rule
    post: Rule
    per_state: bool = False  # the URL names a session, so every state is asked
    kwargs: tuple = ()  # URL kwargs variants, as tuples of (name, value)
    # What a POST sends: a valid body where the view checks the form before the object, so
    # the object lookup (and its 404 for foreign ids) is what the cell exercises.
    data: Callable[[World], dict] | None = None


def both(rule: Rule, **options) -> Row:
    return Row(get=rule, post=rule, **options)


def post_only(rule: Rule, **options) -> Row:
    return Row(get=not_allowed_method(rule), post=rule, **options)


EXPECTED: dict[str, Row] = {
    "home": both(always(302)),
    "healthz": Row(get=always(200), post=always(405)),
    "login": Row(get=logged_in(302, anonymous=200), post=logged_in(302, anonymous=200)),
    "logout": Row(get=always(405), post=always(302)),
    "password_change": both(logged_in(200)),
    "password_change_done": Row(get=logged_in(200), post=logged_in(405)),
    "teams:detail": both(team_page()),
    "teams:switch": post_only(
        team_page(302, foreign=404), data=lambda w: {"team": w.membership.team_id}
    ),
    "teams:member_add": post_only(
        role_page(MEMBERS, 302), data=lambda w: {"username": "m_loner", "role": Role.REVIEWER}
    ),
    "teams:member_role": post_only(
        role_page(MEMBERS, 302, foreign=404), data=lambda w: {"role": Role.MANAGER}
    ),
    "teams:member_remove": post_only(role_page(MEMBERS, 302, foreign=404)),
    "scorecards:list": both(team_page()),
    "scorecards:create": Row(get=role_page(CONTENT), post=role_page(CONTENT, 400)),
    "scorecards:import": Row(get=role_page(CONTENT), post=role_page(CONTENT, 400)),
    "scorecards:export": Row(get=team_page(), post=team_page(405)),
    "scorecards:detail": both(team_page(foreign=404)),
    "scorecards:edit": Row(
        get=role_page(CONTENT, foreign=404), post=role_page(CONTENT, 400, foreign=404)
    ),
    "scorecards:version": both(team_page(302, foreign=404)),  # the current one: its page
    "scorecards:criterion_add": Row(
        get=role_page(CONTENT, foreign=404), post=role_page(CONTENT, 400, foreign=404)
    ),
    "scorecards:criteria_reorder": post_only(role_page(CONTENT, 302, foreign=404)),
    "scorecards:criterion_edit": Row(
        get=role_page(CONTENT, foreign=404), post=role_page(CONTENT, 400, foreign=404)
    ),
    "scorecards:criterion_move": post_only(
        role_page(CONTENT, 302, foreign=404), data=lambda w: {"direction": "down"}
    ),
    "scorecards:criterion_retire": post_only(role_page(CONTENT, 302, foreign=404)),
    "scorecards:criterion_restore": post_only(role_page(CONTENT, 302, foreign=404)),
    "scorecards:notes_fold": Row(
        get=role_page(CONTENT, foreign=404), post=role_page(CONTENT, 400, foreign=404)
    ),
    "scorecards:note_supersede": post_only(role_page(CONTENT, 302, foreign=404)),
    "scorecards:note_restore": post_only(role_page(CONTENT, 302, foreign=404)),
    "interactions:list": both(team_page()),
    "interactions:create": both(role_page(CONTENT)),
    "interactions:import": both(role_page(CONTENT)),
    "interactions:bring_in": both(role_page(CONTENT)),
    "interactions:helpdesks": Row(get=role_page(MEMBERS), post=role_page(MEMBERS, 400)),
    "interactions:helpdesk_test": post_only(role_page(MEMBERS, 302, foreign=404)),
    "interactions:helpdesk_delete": post_only(role_page(MEMBERS, 302, foreign=404)),
    "interactions:export": both(role_page(CONTENT), kwargs=((("fmt", "csv"),), (("fmt", "json"),))),
    "interactions:detail": both(team_page(foreign=404)),
    "interactions:edit": both(role_page(CONTENT, foreign=404)),
    "sessions:list": both(team_page()),
    "sessions:create": Row(get=role_page(CONTENT), post=role_page(CONTENT, 400)),
    "sessions:review_create": Row(get=role_page(CONTENT), post=role_page(CONTENT, 400)),
    "sessions:join_code": post_only(team_page(302)),
    "sessions:join": Row(get=join_get, post=join_post, per_state=True),
    "sessions:template_create": Row(get=role_page(CONTENT), post=role_page(CONTENT, 400)),
    "sessions:template_next": post_only(role_page(CONTENT, 302, foreign=404)),
    "sessions:room": both(room, per_state=True),
    "sessions:present": both(present, per_state=True),
    "sessions:summary": both(team_page(foreign=404), per_state=True),
    "sessions:ratings_csv": both(team_page(foreign=404), per_state=True),
    "reports:home": both(team_page(302)),  # to the page the role starts from
    # Report pages are read with GET (a POST is 405): everyone: scoped to what each may see.
    "reports:history": Row(get=team_page(), post=team_page(method_ok=False)),
    "reports:trends": Row(get=role_page(REPORTS), post=team_page(method_ok=False)),
    "reports:criteria": Row(get=role_page(REPORTS), post=team_page(method_ok=False)),
    "reports:versions": Row(
        get=role_page(REPORTS | {"facilitator"}, foreign=404), post=team_page(method_ok=False)
    ),
    "reports:reviewers": Row(get=reviewers_page, post=team_page(method_ok=False)),
    "reports:reviewer": Row(get=reviewer_profile, post=team_page(method_ok=False)),
    "reports:import_history": Row(get=role_page(CONTENT), post=role_page(CONTENT, 400)),
    "reports:session_report": both(
        team_page(foreign=404),
        per_state=True,
        kwargs=((("fmt", "json"),), (("fmt", "csv"),), (("fmt", "xlsx"),)),
    ),
}

SEPARATELY_CHECKED = ("admin:",)


def url_names(patterns=None, namespace="") -> list[str]:
    """Every named URL of the URLconf, walked recursively (admin, static, media excluded)."""
    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}{inner}:" if inner else namespace
            if full.startswith(SEPARATELY_CHECKED):
                continue
            names += url_names(pattern.url_patterns, full)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL {pattern.pattern} has no name, so no row can name it"
            names.append(f"{namespace}{pattern.name}")
    return names


def url_kwargs(name: str, world: World, state: str, variant: tuple) -> dict:
    pattern_kwargs = _pattern_kwargs(name)
    session = world.sessions[state]
    values = {
        "session_id": session.pk,
        "code": session.join_code,
        "template_id": world.template.pk,
        "membership_id": world.membership.pk,
        "number": world.version.number,
        "key": world.criterion.key,
        "note_id": world.scorecard.calibration_notes.get().pk,
        "user_id": world.users["reviewer"].pk,
        "scorecard_id": world.scorecard.pk,
    }
    if name.startswith("scorecards:"):
        values["pk"] = world.scorecard.pk
    elif name.startswith("interactions:helpdesk"):
        values["pk"] = world.connection.pk
    elif name.startswith("interactions:"):
        values["pk"] = world.interaction.pk
    values.update(dict(variant))
    missing = set(pattern_kwargs) - set(values)
    assert not missing, f"{name}: no fixture value for {missing}"
    return {key: values[key] for key in pattern_kwargs}


def _pattern_kwargs(name: str) -> list[str]:
    from django.urls import get_resolver as resolver

    possibilities = resolver().reverse_dict.getlist(name.split(":")[-1])
    for namespace in name.split(":")[:-1]:
        possibilities = (
            resolver().namespace_dict[namespace][1].reverse_dict.getlist(name.split(":")[-1])
        )
    return list(possibilities[0][0][0][1]) if possibilities else []


APP_LABELS = ["teams", "scorecards", "interactions", "calibration_sessions"]


def fingerprint() -> dict:
    """Everything the project stores (not Django's own sessions or the admin log)."""
    state = {}
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values_list())
    return state


# --- the tests ------------------------------------------------------------------------------


def test_every_url_has_a_row():
    names = url_names()
    # A new session state or team role needs its cells too.
    assert set(STATES) == set(SessionStatus.values)
    assert set(Role.values) <= {"admin", "facilitator", "reviewer", "manager"}

    assert sorted(set(names) - set(EXPECTED)) == [], "URLs without a row in EXPECTED"
    assert sorted(set(EXPECTED) - set(names)) == [], "rows for URLs that no longer exist"


def _ask(client, world, role, method, url, data=None):
    if role != "anonymous":
        client.force_login(world.users[role])
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    client.logout()
    return response


@pytest.fixture
def world(settings):
    settings.CONCORD_HELPDESK_BASE_URL_OVERRIDE = "http://127.0.0.1:9"  # refused at once
    return build_world()


def test_permission_matrix(client, world):
    """One test over every row (the world is built once: building it per URL cost more
    than the requests); every wrong cell is listed, not only the first."""
    wrong, before = [], fingerprint()
    for name, row in sorted(EXPECTED.items()):
        wrong += _row_cells(client, world, name, row, before)
    assert not wrong, "\n".join(wrong)


def _row_cells(client, world, name, row, before) -> list[str]:
    """`before` is the world as built: every cell is rolled back to it."""
    states = STATES if row.per_state else STATES[:1]
    wrong = []
    for state in states:
        for variant in row.kwargs or ((),):
            url = reverse(name, kwargs=url_kwargs(name, world, state, variant))
            for role in ROLES:
                for method, rule in (("get", row.get), ("post", row.post)):
                    expected = rule(role, state)
                    with transaction.atomic():
                        checks_change = method == "post" and expected != 302
                        data = row.data(world) if row.data else None
                        response = _ask(client, world, role, method, url, data)
                        got = response.status_code
                        if expected == LOGIN:
                            ok = got == 302 and response["Location"].startswith(
                                reverse("login") + "?next="
                            )
                        else:
                            ok = got == expected
                        if not ok:
                            wrong.append(
                                f"{method.upper()} {url} as {role} [{state}]: "
                                f"{got}, expected {expected}"
                            )
                        elif checks_change and fingerprint() != before:
                            # Only a redirect may follow a change: a refusal (login, 403,
                            # 404, 405) or a form shown again with its errors changes nothing.
                            wrong.append(
                                f"POST {url} as {role} [{state}] answered {got} but changed data"
                            )
                        transaction.set_rollback(True)
    return wrong


def test_the_fingerprint_sees_a_changed_role_and_a_rolled_back_one_not(world):
    before = fingerprint()
    with transaction.atomic():
        Membership.objects.filter(pk=world.membership.pk).update(role=Role.MANAGER)
        changed = fingerprint()
        transaction.set_rollback(True)

    assert changed != before and fingerprint() == before


def test_unknown_ids_are_not_found_for_the_team_admin(client, world):
    wrong = []
    for name in EXPECTED:
        kwargs = _pattern_kwargs(name)
        unknown = {
            "session_id",
            "pk",
            "template_id",
            "membership_id",
            "number",
            "key",
            "code",
            "user_id",
            "note_id",
        }
        if not set(kwargs) & unknown:
            continue
        values = url_kwargs(
            name, world, STATES[1], EXPECTED[name].kwargs[0] if EXPECTED[name].kwargs else ()
        )
        for key in set(kwargs) & unknown:
            values[key] = uuid.uuid4() if key == "key" else ("ZZZZZZ" if key == "code" else 987654)
        url = reverse(name, kwargs=values)
        data = EXPECTED[name].data(world) if EXPECTED[name].data else None
        for method in ("get", "post"):
            with transaction.atomic():
                got = _ask(client, world, "admin", method, url, data).status_code
                if got not in (404, 405):
                    wrong.append(f"{method.upper()} {url}: {got}")
                transaction.set_rollback(True)
    assert not wrong, "\n".join(wrong)


# --- admin, static and media: their own small checks ------------------------------------------


def _admin_pages():
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        yield model, model_admin, reverse("admin:{}_{}_changelist".format(*info))


def test_the_admin_is_for_staff_only(client, world):
    team_admin = world.users["admin"]  # an admin of a team is not Django staff
    wrong = []
    for _model, _admin, url in [(None, None, reverse("admin:index")), *_admin_pages()]:
        for user in (None, team_admin):
            if user is not None:
                client.force_login(user)
            response = client.get(url)
            client.logout()
            if response.status_code != 302 or "/admin/login/" not in response["Location"]:
                wrong.append(f"{url} as {user or 'anonymous'}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_staff_without_permissions_are_refused_every_admin_page(client, world):
    client.force_login(UserFactory(username="m_staff", is_staff=True))

    wrong = [url for *_, url in _admin_pages() if client.get(url).status_code != 403]

    assert wrong == []


def test_a_superuser_opens_every_admin_list_and_add_page(client, world):
    from django.test import RequestFactory

    root = UserFactory(username="m_root", is_staff=True, is_superuser=True)
    client.force_login(root)
    request = RequestFactory().get("/")
    request.user = root
    wrong = []
    for _model, model_admin, url in _admin_pages():
        if client.get(url).status_code != 200:
            wrong.append(url)
        add = url + "add/"
        expected = 200 if model_admin.has_add_permission(request) else 403
        if client.get(add).status_code != expected:
            wrong.append(f"{add} (expected {expected})")
    assert wrong == []


@pytest.mark.parametrize(
    "path",
    [
        "/static/../calibration/settings.py",
        "/static/%2e%2e/calibration/settings.py",
        "/static/..%2fcalibration%2fsettings.py",
        "/media/",
        "/media/../db.sqlite3",
    ],
)
def test_static_and_media_serve_no_project_files(client, path):
    response = client.get(path)

    assert response.status_code in (302, 404)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"SECRET_KEY" not in body


def test_static_files_are_served_to_anyone(client):
    response = client.get("/static/admin/css/base.css")

    assert response.status_code == 200
