"""The cost of a blind rating's save: few statements, the session row lock taken last."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions import services
from sessions.models import Score

from .factories import SessionWorld

pytestmark = pytest.mark.django_db


def save(world, value, ts, **kwargs):
    return services.score_save(
        session_id=world.session.pk,
        user=world.reviewers[0],
        item_id=world.items[0].pk,
        criterion_id=world.numeric.pk,
        value=value,
        comment="Kind",
        client_ts=ts,
        **kwargs,
    )


def statements(queries) -> list[str]:
    # Savepoints are the test's transaction (BEGIN and COMMIT in production) and SQLite's
    # guard around an insert: not round trips PostgreSQL makes under the lock.
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_a_first_save_and_a_change_each_take_six_statements(django_assert_max_num_queries):
    world = SessionWorld().start()

    # The criterion, then under the lock: session, interaction, reviewer, rating, write.
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as first_queries:
        first = save(world, 4, 10)
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as second_queries:
        second = save(world, 5, 20)

    assert len(statements(first_queries)) == len(statements(second_queries)) == 6
    assert first.applied and second.applied
    stored = Score.objects.get(pk=first.score.pk)
    assert (stored.value, stored.comment, stored.client_ts) == (5, "Kind", 20)


def test_the_session_row_is_locked_after_the_lookups_that_no_reveal_changes():
    world = SessionWorld().start()

    with CaptureQueriesContext(connection) as queries:
        save(world, 4, 10)

    run = statements(queries)
    criterion_read = next(i for i, sql in enumerate(run) if 'FROM "scorecards_criterion"' in sql)
    lock = next(
        i for i, sql in enumerate(run) if 'FROM "calibration_sessions_calibrationsession"' in sql
    )
    item_read = next(
        i for i, sql in enumerate(run) if 'FROM "calibration_sessions_sessioninteraction"' in sql
    )
    # The interaction is read after the lock, in its own statement (see the racing test).
    assert criterion_read < lock < item_read
    if connection.vendor == "postgresql":
        assert run[lock].endswith("FOR KEY SHARE")


def test_a_stale_resend_changes_nothing_and_says_so():
    world = SessionWorld().start()
    save(world, 4, 20)

    stale = save(world, 1, 10)

    assert stale.applied is False
    assert Score.objects.get(pk=stale.score.pk).value == 4


def test_refusals_keep_their_order_and_words():
    world = SessionWorld().start()
    save(world, 4, 10)
    services.session_reveal(session_id=world.session.pk, actor=world.facilitator)

    with pytest.raises(services.SessionError, match="revealed"):
        save(world, 5, 20)
    with pytest.raises(services.SessionPermissionError, match="not scoring"):
        services.score_save(
            session_id=world.session.pk,
            user=world.facilitator,
            item_id=world.items[0].pk,
            criterion_id=world.numeric.pk,
            value=4,
        )
    with pytest.raises(services.SessionNotFound):
        services.score_save(
            session_id=10**9, user=world.reviewers[0], item_id=1, criterion_id=1, value=4
        )


@pytest.mark.django_db(transaction=True)
def test_saves_of_two_reviewers_do_not_wait_for_each_other():
    """Run on PostgreSQL in CI: a save holds the session row in KEY SHARE mode only."""
    import threading

    from django.db import transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises whole transactions")
    world = SessionWorld().start()
    done = threading.Event()

    def other_reviewer_saves():
        try:
            services.score_save(
                session_id=world.session.pk,
                user=world.reviewers[1],
                item_id=world.items[0].pk,
                criterion_id=world.numeric.pk,
                value=2,
            )
            done.set()
        finally:
            connection.close()

    with transaction.atomic():
        save(world, 4, 10)  # still in its transaction, holding its locks
        racer = threading.Thread(target=other_reviewer_saves)
        racer.start()
        racer.join(timeout=5)
        assert done.is_set(), "another reviewer's save should not wait"
    assert Score.objects.filter(item=world.items[0], criterion=world.numeric).count() == 2
