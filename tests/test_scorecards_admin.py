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


def criterion_post(version, **changes):
    data = {
        "version": version.pk,
        "name": "Added in admin",
        "group": "",
        "description": "",
        "guidance_right": "",
        "guidance_wrong": "",
        "scale_kind": "numeric",
        "scale_points": "5",
        "scale_labels": "[]",
        "scale_ordered": "on",
        "fail_values": "[1]",
        "na_allowed": "",
        "weight": "1",
        "position": "9",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_admin_adds_a_valid_criterion_to_an_unlocked_version(admin_client, scorecard):
    version = scorecard.versions.get()

    response = admin_client.post(reverse("admin:scorecards_criterion_add"), criterion_post(version))

    assert response.status_code == 302
    assert version.criteria.filter(name="Added in admin").exists()


def test_admin_cannot_add_a_criterion_to_a_locked_version(admin_client, scorecard):
    version = services.scorecard_version_lock(version=scorecard.versions.get())

    response = admin_client.post(reverse("admin:scorecards_criterion_add"), criterion_post(version))

    assert response.status_code == 200
    assert "is used in a session and never changes" in response.content.decode()
    assert list(version.criteria.values_list("name", flat=True)) == ["Tone"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fail_values": "[9]"}, "are not on the scale"),
        ({"scale_points": "12"}, "between 2 and 10 points"),
        ({"scale_kind": "labels", "scale_labels": '["Only"]'}, "at least two labels"),
        ({"scale_labels": '"Poor"'}, "labels must be a list"),
        ({"fail_values": "[]", "critical": "on"}, "needs at least one value"),
        ({"name": "tone"}, "already a criterion called"),
    ],
)
def test_admin_refuses_a_criterion_the_editor_would_refuse(
    admin_client, scorecard, changes, message
):
    version = scorecard.versions.get()

    response = admin_client.post(
        reverse("admin:scorecards_criterion_add"), criterion_post(version, **changes)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert version.criteria.count() == 1


def test_a_locked_version_is_read_only_in_the_admin(admin_client, scorecard):
    version = services.scorecard_version_lock(version=scorecard.versions.get())
    page = reverse("admin:scorecards_scorecardversion_change", args=[version.pk])

    admin_client.post(page, {"scorecard": scorecard.pk, "number": 7, "changes": "[]"})

    version.refresh_from_db()
    assert version.number == 1
