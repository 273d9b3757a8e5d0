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
