import factory
from django.contrib.auth import get_user_model

from interactions.models import Channel, Interaction, Message, MessageRole
from scorecards.models import Criterion, Scorecard, ScorecardVersion
from scorecards.scales import ScaleKind
from teams.models import Membership, Role, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.REVIEWER


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Scorecard {n}")


class ScorecardVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScorecardVersion

    scorecard = factory.SubFactory(ScorecardFactory)
    number = 1


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    version = factory.SubFactory(ScorecardVersionFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    group = "Communication"
    scale_kind = ScaleKind.NUMERIC
    scale_points = 5
    fail_values = [1, 2]
    position = factory.Sequence(lambda n: n)


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    team = factory.SubFactory(TeamFactory)
    channel = Channel.EMAIL
    external_id = factory.Sequence(lambda n: f"T-{1000 + n}")
    agent_name = "Sam Agent"
    subject = factory.Sequence(lambda n: f"Refund request {n}")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    interaction = factory.SubFactory(InteractionFactory)
    position = factory.Sequence(lambda n: n)
    author = "Customer"
    role = MessageRole.CUSTOMER
    body = "Hello, I was charged twice."


# --- live sessions ---------------------------------------------------------------------------


class SessionWorld:
    """A team with a facilitator, reviewers, a three-criterion scorecard and interactions."""

    def __init__(self, *, reviewers=3, interactions=2, **options):
        from scorecards.scales import ScaleKind
        from sessions import services

        self.team = TeamFactory()
        self.facilitator = UserFactory(username=f"fac{self.team.pk}", first_name="Fiona")
        MembershipFactory(team=self.team, user=self.facilitator, role=Role.FACILITATOR)
        self.reviewers = []
        for index in range(reviewers):
            user = UserFactory(username=f"rev{self.team.pk}_{index}", first_name=f"Rev{index}")
            MembershipFactory(team=self.team, user=user, role=Role.REVIEWER)
            self.reviewers.append(user)
        self.version = ScorecardVersionFactory(scorecard__team=self.team)
        self.binary = CriterionFactory(
            version=self.version,
            name="Verified identity",
            scale_kind=ScaleKind.BINARY,
            scale_points=None,
            fail_values=[0],
            critical=True,
            position=0,
        )
        self.numeric = CriterionFactory(
            version=self.version, name="Empathy", na_allowed=True, position=1
        )
        self.labels = CriterionFactory(
            version=self.version,
            name="Resolution",
            scale_kind=ScaleKind.LABELS,
            scale_points=None,
            scale_labels=["Missed", "Partly", "Fully"],
            fail_values=[0],
            position=2,
        )
        self.criteria = [self.binary, self.numeric, self.labels]
        self.interactions = [InteractionFactory(team=self.team) for _ in range(interactions)]
        self.session = services.session_create(
            team=self.team,
            facilitator=self.facilitator,
            title="Weekly calibration",
            scorecard_version=self.version,
            interactions=self.interactions,
            reviewers=self.reviewers,
            options=services.SessionOptions(**options),
        )
        self.items = list(self.session.items.order_by("position"))

    def start(self):
        from sessions import services

        services.session_start(session_id=self.session.pk, actor=self.facilitator)
        return self

    def score_all(self, user, item, values, comment=""):
        """values: (binary, numeric, labels) codes; None means N/A."""
        from sessions import services

        for criterion, value in zip(self.criteria, values, strict=True):
            services.score_save(
                session_id=self.session.pk,
                user=user,
                item_id=item.pk,
                criterion_id=criterion.pk,
                value=value,
                is_na=value is None,
                comment=comment,
            )

    def submit(self, user, item):
        from sessions import services

        return services.submission_create(session_id=self.session.pk, user=user, item_id=item.pk)
