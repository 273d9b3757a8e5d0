import pytest
from django.urls import reverse

from scorecards import services
from scorecards.scales import Scale, ScaleKind
from scorecards.specs import CriterionData

from .factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def scorecard():
    return services.scorecard_create(
        team=TeamFactory(),
        name="Support QA",
        criteria=[CriterionData(name="Tone", scale=Scale(kind=ScaleKind.BINARY))],
    )


def test_admin_lists_and_pages_open(admin_client, scorecard):
    version = scorecard.versions.get()
    criterion = version.criteria.get()
    pages = [
        reverse("admin:scorecards_scorecard_changelist"),
        reverse("admin:scorecards_scorecard_change", args=[scorecard.pk]),
        reverse("admin:scorecards_scorecardversion_changelist"),
        reverse("admin:scorecards_scorecardversion_change", args=[version.pk]),
        reverse("admin:scorecards_criterion_changelist") + "?q=tone",
        reverse("admin:scorecards_criterion_change", args=[criterion.pk]),
    ]

    assert [admin_client.get(page).status_code for page in pages] == [200] * len(pages)


def test_admin_cannot_change_a_criterion_of_a_locked_version(admin_client, scorecard):
    version = services.scorecard_version_lock(version=scorecard.versions.get())
    criterion = version.criteria.get()
    page = reverse("admin:scorecards_criterion_change", args=[criterion.pk])

    admin_client.post(page, {"name": "Changed", "version": version.pk, "scale_kind": "binary"})

    criterion.refresh_from_db()
    assert criterion.name == "Tone"
    assert 'name="name"' not in admin_client.get(page).content.decode()
