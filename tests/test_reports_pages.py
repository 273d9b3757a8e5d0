"""The manager pages: history, trends, reviewer profiles, criterion health; who sees what;
their CSV downloads; and a number of queries that does not grow with the sessions."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from sessions import services
from sessions.models import CalibrationSession, SessionKind
from teams.models import Role

from .factories import InteractionFactory, MembershipFactory, SessionWorld, UserFactory

pytestmark = pytest.mark.django_db

# (binary, numeric 1-5, labels 0-2) per reviewer; the third reviewer is lenient on Empathy
RATINGS = [(1, 3, 2), (1, 3, 1), (1, 5, 2)]


def add_closed_session(world, *, held=None, ratings=RATINGS, anonymous=False, title=None):
    interactions = [InteractionFactory(team=world.team) for _ in range(2)]
    session = services.session_create(
        team=world.team,
        facilitator=world.facilitator,
        title=title or f"Calibration {held or 'today'}",
        scorecard_version=world.version,
        interactions=interactions,
        reviewers=world.reviewers,
        options=services.SessionOptions(anonymous=anonymous),
    )
    services.session_start(session_id=session.pk, actor=world.facilitator)
    items = list(session.items.order_by("position"))
    for user, values in zip(world.reviewers, ratings, strict=True):
        for item in items:
            for criterion, value in zip(world.criteria, values, strict=True):
                services.score_save(
                    session_id=session.pk,
                    user=user,
                    item_id=item.pk,
                    criterion_id=criterion.pk,
                    value=value,
                )
            services.submission_create(session_id=session.pk, user=user, item_id=item.pk)
    services.session_reveal(session_id=session.pk, actor=world.facilitator)
    for item in items:
        for criterion, value in zip(world.criteria, (1, 3, 2), strict=True):
            services.consensus_save(
                session_id=session.pk,
                actor=world.facilitator,
                item_id=item.pk,
                criterion_id=criterion.pk,
                value=value,
            )
    if held:
        CalibrationSession.objects.filter(pk=session.pk).update(held_on_date=held)
    services.session_close(session_id=session.pk, actor=world.facilitator)
    return session


@pytest.fixture
def world():
    world = SessionWorld(reviewers=3)
    world.manager = UserFactory(username=f"manager{world.team.pk}", first_name="Megan")
    MembershipFactory(team=world.team, user=world.manager, role=Role.MANAGER)
    return world


def weekly(world, count, start=dt.date(2026, 1, 5), **options):
    return [
        add_closed_session(world, held=start + dt.timedelta(weeks=week), **options)
        for week in range(count)
    ]


def page(client, name, *args, **query):
    return client.get(reverse(f"reports:{name}", args=args), query)


# --------------------------------------------------------------------------- history
def test_history_lists_closed_sessions_with_alpha_interval_and_reviewers_who_rated(client, world):
    weekly(world, 3)
    client.force_login(world.manager)

    response = page(client, "history")

    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("<tr>") >= 3
    rows = response.context["rows"]
    closed = [row for row in rows if row["has_figures"]]
    assert len(closed) == 3
    assert all(row["reviewers"] == 3 for row in closed)  # the facilitator did not score
    assert all(row["interactions"] == 2 for row in closed)
    assert closed[0]["held"] > closed[-1]["held"]  # newest first


def test_history_filters_live_in_the_url_and_sort(client, world):
    weekly(world, 4)
    client.force_login(world.manager)

    response = page(client, "history", date_from="2026-01-12", date_to="2026-01-19", sort="date")

    held = [row["held"] for row in response.context["rows"]]
    assert held == [dt.date(2026, 1, 12), dt.date(2026, 1, 19)]
    participant = page(client, "history", participant=world.manager.pk).context["rows"]
    assert participant == []
    state = page(client, "history", state="draft").context["rows"]
    assert [row["session"].pk for row in state] == [world.session.pk]


def test_history_kind_filter_tells_scoring_sessions_from_criterion_reviews(client, world):
    scoring = weekly(world, 2)
    review = weekly(world, 1, start=dt.date(2026, 3, 2))[0]
    # A criterion review has no ratings: made one here by kind, after its close.
    CalibrationSession.objects.filter(pk=review.pk).update(kind=SessionKind.CRITERION_REVIEW)
    client.force_login(world.manager)

    reviews = page(client, "history", kind="criterion_review").context["rows"]
    scorings = page(client, "history", kind="scoring").context["rows"]
    wrong = page(client, "history", kind="party")

    assert [row["session"].pk for row in reviews] == [review.pk]
    assert not reviews[0]["is_scoring"]
    assert {row["session"].pk for row in scorings} == {s.pk for s in scoring} | {world.session.pk}
    assert wrong.status_code == 400


def test_summaries_are_written_for_scoring_sessions_only(world):
    from sessions.models import SessionSummary
    from sessions.services import session_summaries_write

    session = add_closed_session(world, held=dt.date(2026, 1, 5))
    CalibrationSession.objects.filter(pk=session.pk).update(kind=SessionKind.CRITERION_REVIEW)

    written = session_summaries_write(session_ids=[session.pk])

    assert written == 0
    assert not SessionSummary.objects.filter(session=session).exists()


def test_history_refuses_a_bad_filter_with_a_clear_error(client, world):
    client.force_login(world.manager)

    response = page(client, "history", date_from="2026-02-01", date_to="2026-01-01")
    garbage = page(client, "history", scorecard="not-a-number")

    assert response.status_code == 400
    assert "The start date must not be after the end date." in response.content.decode()
    assert garbage.status_code == 400


def test_history_query_count_does_not_grow_with_the_sessions(
    client, world, django_assert_max_num_queries
):
    weekly(world, 2)
    client.force_login(world.manager)
    with django_assert_max_num_queries(12) as few:
        page(client, "history")
    weekly(world, 6, start=dt.date(2025, 1, 6))
    with django_assert_max_num_queries(12) as many:
        page(client, "history")

    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_reviewer_sees_only_the_sessions_they_took_part_in(client, world):
    weekly(world, 2)
    outsider = UserFactory(username=f"outsider{world.team.pk}")
    MembershipFactory(team=world.team, user=outsider, role=Role.REVIEWER)
    client.force_login(outsider)

    assert page(client, "history").context["rows"] == []
    client.force_login(world.reviewers[0])
    assert len(page(client, "history").context["rows"]) == 3  # two closed and the draft


# --------------------------------------------------------------------------- trends
def test_trends_give_one_point_per_period_and_say_when_a_period_is_thin(client, world):
    weekly(world, 6)
    client.force_login(world.manager)

    response = page(client, "trends", period="week")

    assert response.status_code == 200
    (series,) = response.context["series"]
    assert len(series["points"]) == 6
    # two interactions a week, three criteria: 6 units, enough for an interval
    assert not any(p["thin"] for p in series["points"])
    by_criterion = page(client, "trends", period="week", group="criterion").context["series"]
    assert len(by_criterion) == 3
    assert all(p["thin"] for line in by_criterion for p in line["points"])  # 2 units a week
    text = page(client, "trends", period="week", group="criterion").content.decode()
    assert "Too few units" in text
    assert "<svg" in text


def test_the_unfiltered_trends_page_selects_the_period_it_shows(client, world):
    weekly(world, 2)
    client.force_login(world.manager)

    text = page(client, "trends").content.decode()

    assert '<option value="month" selected>Monthly</option>' in text


def test_trends_query_count_does_not_grow_with_the_sessions(
    client, world, django_assert_max_num_queries
):
    weekly(world, 2)
    client.force_login(world.manager)
    with django_assert_max_num_queries(16) as few:  # computes and keeps the periods' points
        page(client, "trends")
    with django_assert_max_num_queries(10) as few_kept:  # reads them back
        page(client, "trends")
    weekly(world, 6, start=dt.date(2025, 1, 6))
    with django_assert_max_num_queries(16) as many:
        page(client, "trends")
    with django_assert_max_num_queries(10) as many_kept:
        page(client, "trends")

    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many_kept.captured_queries) == len(few_kept.captured_queries)


def test_trends_and_criterion_health_are_for_managers_and_admins(client, world):
    client.force_login(world.facilitator)
    assert page(client, "trends").status_code == 403
    assert page(client, "criteria").status_code == 403
    assert page(client, "history").status_code == 200
    client.force_login(world.reviewers[0])
    assert page(client, "trends").status_code == 403


# --------------------------------------------------------------------------- profiles
def test_reviewer_profile_shows_bias_with_count_interval_and_no_label_on_few_ratings(client, world):
    weekly(world, 2)
    lenient = world.reviewers[2]
    client.force_login(world.manager)

    response = page(client, "reviewer", lenient.pk)

    assert response.status_code == 200
    consensus = response.context["overall"]["consensus"]
    # Empathy 5 against 3 on a 1-5 scale, 4 times; the others match: 12 magnitude comparisons
    assert consensus["bias"].n == 12
    assert consensus["bias"].mean == pytest.approx(2 / 4 * 4 / 12)
    assert consensus["bias"].label is None  # fewer than 20 compared ratings
    assert "at least 20" in response.content.decode()
    assert response.context["deviate_most"][0]["name"] == "Empathy"


def test_a_reviewer_with_enough_ratings_is_labelled_lenient(client, world):
    weekly(world, 6)  # 36 compared ratings, +50% on Empathy every time
    client.force_login(world.manager)

    profile = page(client, "reviewer", world.reviewers[2].pk).context

    assert profile["overall"]["consensus"]["bias"].n == 36
    bias = profile["overall"]["consensus"]["bias"]
    assert bias.mean == pytest.approx(0.5 * 12 / 36)
    assert bias.label == "lenient"
    assert bias.ci[0] > 0


def test_profiles_are_scoped_to_the_team_and_reviewers_see_only_their_own(client, world):
    weekly(world, 1)
    other = SessionWorld()
    client.force_login(world.manager)
    assert page(client, "reviewer", other.reviewers[0].pk).status_code == 404
    client.force_login(world.reviewers[0])
    assert page(client, "reviewer", world.reviewers[0].pk).status_code == 200
    assert page(client, "reviewer", world.reviewers[1].pk).status_code == 404
    assert page(client, "reviewers").url == reverse(
        "reports:reviewer", args=[world.reviewers[0].pk]
    )


def test_an_anonymous_session_stays_out_of_a_profile_shown_to_others(client, world):
    add_closed_session(world, held=dt.date(2026, 3, 2), anonymous=True)
    add_closed_session(world, held=dt.date(2026, 3, 9))
    lenient = world.reviewers[2]

    client.force_login(world.manager)
    seen_by_manager = page(client, "reviewer", lenient.pk).context
    client.force_login(lenient)
    seen_by_self = page(client, "reviewer", lenient.pk).context

    assert seen_by_manager["overall"]["consensus"]["bias"].n == 6
    assert seen_by_manager["anonymous_hidden"] == 1
    assert "would tell which alias" in page_text(client, world.manager, lenient.pk)
    assert seen_by_self["overall"]["consensus"]["bias"].n == 12
    assert seen_by_self["anonymous_hidden"] == 0


def page_text(client, viewer, user_id):
    client.force_login(viewer)
    return page(client, "reviewer", user_id).content.decode()


def test_the_overview_has_a_reviewer_by_criterion_heat_map_with_its_numbers(client, world):
    weekly(world, 2)
    client.force_login(world.manager)

    response = page(client, "reviewers")

    assert response.status_code == 200
    heat = response.context["heat"]
    assert heat["columns"] == ["Empathy", "Resolution", "Verified identity"]
    assert len(heat["rows"]) == 3
    text = response.content.decode()
    assert 'data-testid="heat-table"' in text and "<svg" in text


def test_profile_query_count_does_not_grow_with_the_sessions(
    client, world, django_assert_max_num_queries
):
    weekly(world, 2)
    client.force_login(world.manager)
    user = world.reviewers[2].pk
    with django_assert_max_num_queries(25) as few:
        page(client, "reviewer", user)
        page(client, "reviewers")
    weekly(world, 5, start=dt.date(2025, 1, 6))
    with django_assert_max_num_queries(25) as many:
        page(client, "reviewer", user)
        page(client, "reviewers")

    assert len(many.captured_queries) == len(few.captured_queries)


# --------------------------------------------------------------------------- criterion health
def test_criterion_health_flags_the_disputed_criterion_with_its_trend(client, world):
    weekly(world, 5)
    client.force_login(world.manager)

    response = page(client, "criteria")

    assert response.status_code == 200
    criteria = {c["name"]: c for c in response.context["criteria"]}
    assert set(criteria) == {"Empathy", "Resolution", "Verified identity"}
    assert criteria["Resolution"]["disputed_share"] == 1.0  # highest spread in every session
    assert any("most disputed" in flag for flag in criteria["Resolution"]["flags"])
    assert criteria["Verified identity"]["fail_rate"] == 0.0
    assert criteria["Empathy"]["points"]


def test_criterion_health_query_count_does_not_grow_with_the_sessions(
    client, world, django_assert_max_num_queries
):
    weekly(world, 2)
    client.force_login(world.manager)
    with django_assert_max_num_queries(10) as few:
        page(client, "criteria")
    weekly(world, 5, start=dt.date(2025, 1, 6))
    with django_assert_max_num_queries(10) as many:
        page(client, "criteria")

    assert len(many.captured_queries) == len(few.captured_queries)


# --------------------------------------------------------------------------- exports
@pytest.mark.parametrize(
    "name,args",
    [("history", ()), ("trends", ()), ("reviewers", ()), ("criteria", ()), ("reviewer", None)],
)
def test_every_page_downloads_as_a_spreadsheet_ready_csv(client, world, name, args):
    weekly(world, 2, title="Calibration, “quoted” = tricky")
    client.force_login(world.manager)
    args = (world.reviewers[0].pk,) if args is None else args

    response = page(client, name, *args, format="csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows)
    if name == "history":
        assert "Calibration, “quoted” = tricky" in [row[1] for row in rows]


def test_a_csv_cell_that_looks_like_a_formula_is_defused(client, world):
    add_closed_session(world, held=dt.date(2026, 1, 5), title='=HYPERLINK("x")')
    client.force_login(world.manager)

    body = page(client, "history", format="csv").content.decode("utf-8")

    assert "'=HYPERLINK" in body


# --------------------------------------------------------------------------- navigation
@pytest.mark.parametrize(
    "role,shown",
    [(Role.MANAGER, True), (Role.FACILITATOR, True), (Role.ADMIN, True), (Role.REVIEWER, False)],
)
def test_the_reports_entry_is_in_the_navigation_for_managers_facilitators_and_admins(
    client, role, shown
):
    membership = MembershipFactory(role=role)
    client.force_login(membership.user)

    text = client.get(reverse("sessions:list")).content.decode()

    assert ('href="/reports/"' in text) is shown


def test_trends_by_channel_and_by_scorecard_name_their_series(client, world):
    weekly(world, 3)
    client.force_login(world.manager)

    by_channel = page(client, "trends", period="month", group="channel").context["series"]
    by_scorecard = page(client, "trends", period="month", group="scorecard").context["series"]

    assert [line["name"] for line in by_channel] == ["Email"]
    assert by_channel[0]["points"][0]["n_sessions"] == 3
    assert [line["name"] for line in by_scorecard] == [world.version.scorecard.name]
    assert by_scorecard[0]["points"][0]["n_sessions"] == 3
