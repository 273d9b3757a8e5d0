"""The load benchmark's data: S sessions of R reviewers and a facilitator, created through the
services as a team would, and afterwards the check that every acknowledged rating is stored.

    python -m bench.world setup --sessions 10 --reviewers 20 --interactions 2 --criteria 10
    python -m bench.world verify --world world.json

Run with DJANGO_SETTINGS_MODULE=bench.settings and the benchmark's DATABASE_URL; each prints
one JSON document on stdout. bench/load.py runs both.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

PASSWORD = "bench-load-pw"


def setup(*, sessions: int, reviewers: int, interactions: int, criteria: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from interactions.models import Channel, Interaction, Message, MessageRole
    from scorecards.models import Criterion, Scorecard, ScorecardVersion
    from scorecards.scales import ScaleKind
    from sessions import services
    from teams.models import Membership, Role, Team

    User = get_user_model()
    world = {"password": PASSWORD, "sessions": []}
    with transaction.atomic():
        team = Team.objects.create(name="Load benchmark")
        scorecard = Scorecard.objects.create(team=team, name="Support quality")
        version = ScorecardVersion.objects.create(scorecard=scorecard, number=1)
        kinds = [
            {"scale_kind": ScaleKind.BINARY, "fail_values": [0], "critical": True},
            {"scale_kind": ScaleKind.NUMERIC, "scale_points": 5, "fail_values": [1, 2]},
            {
                "scale_kind": ScaleKind.LABELS,
                "scale_labels": ["Missed", "Partly", "Fully"],
                "fail_values": [0],
            },
        ]
        made = []
        for position in range(criteria):
            made.append(
                Criterion.objects.create(
                    version=version,
                    name=f"Criterion {position + 1}",
                    group=["Opening", "Resolution", "Tone"][position % 3],
                    description="What the agent should do here, in a sentence or two. " * 2,
                    guidance_right="Greets by name, restates the problem, confirms the fix.",
                    guidance_wrong="Skips the greeting, guesses, closes without confirming.",
                    na_allowed=position % 4 == 3,
                    position=position,
                    **kinds[position % 3],
                )
            )
        for number in range(sessions):
            facilitator = User.objects.create_user(
                f"bench_fac{number}",
                password=PASSWORD,
                first_name="Facilitator",
                last_name=f"{number}",
            )
            Membership.objects.create(team=team, user=facilitator, role=Role.FACILITATOR)
            people = []
            for index in range(reviewers):
                user = User.objects.create_user(
                    f"bench_s{number}_r{index}",
                    password=PASSWORD,
                    first_name=f"Reviewer{index}",
                    last_name=f"Session{number}",
                )
                Membership.objects.create(team=team, user=user, role=Role.REVIEWER)
                people.append(user)
            things = []
            for position in range(interactions):
                interaction = Interaction.objects.create(
                    team=team,
                    channel=Channel.EMAIL,
                    external_id=f"LOAD-{number}-{position}",
                    agent_name="Sam Agent",
                    subject=f"Refund request {number}.{position}",
                )
                for turn in range(6):
                    Message.objects.create(
                        interaction=interaction,
                        position=turn,
                        author="Customer" if turn % 2 == 0 else "Sam Agent",
                        role=MessageRole.CUSTOMER if turn % 2 == 0 else MessageRole.AGENT,
                        body="I was charged twice for my order, can you help? " * 3,
                    )
                things.append(interaction)
            session = services.session_create(
                team=team,
                facilitator=facilitator,
                title=f"Load session {number}",
                scorecard_version=version,
                interactions=things,
                reviewers=people,
            )
            world["sessions"].append(
                {
                    "id": session.pk,
                    "facilitator": facilitator.username,
                    "reviewers": [user.username for user in people],
                }
            )
    # Opened for scoring outside the setup transaction: each start is its own change.
    from sessions.models import CalibrationSession

    for entry in world["sessions"]:
        session = CalibrationSession.objects.get(pk=entry["id"])
        actor = User.objects.get(username=entry["facilitator"])
        services.session_start(session_id=session.pk, actor=actor)
        entry["items"] = list(session.items.order_by("position").values_list("pk", flat=True))
        entry["criteria"] = [
            {
                "id": criterion.pk,
                "values": [value for value, _ in criterion.scale.choices()],
                "na": criterion.na_allowed,
            }
            for criterion in session.criteria.order_by("position")
        ]
    return world


def verify(world: dict) -> dict:
    """What the database holds per session: ratings, submissions and revealed interactions."""
    from django.db.models import Q

    from sessions.models import Score, SessionInteraction, Submission

    result = {}
    for entry in world["sessions"]:
        session_id = entry["id"]
        result[str(session_id)] = {
            "ratings": list(
                Score.objects.filter(item__session_id=session_id)
                .filter(Q(value__isnull=False) | Q(is_na=True))
                .values_list(
                    "participant__user__username", "item_id", "criterion_id", "value", "is_na"
                )
            ),
            "submissions": Submission.objects.filter(item__session_id=session_id).count(),
            "revealed": SessionInteraction.objects.filter(
                session_id=session_id, revealed_at__isnull=False
            ).count(),
        }
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("setup")
    make.add_argument("--sessions", type=int, required=True)
    make.add_argument("--reviewers", type=int, required=True)
    make.add_argument("--interactions", type=int, default=2)
    make.add_argument("--criteria", type=int, default=10)
    check = commands.add_parser("verify")
    check.add_argument("--world", required=True, help="the JSON that setup printed")
    args = parser.parse_args(argv)
    django.setup()
    if args.command == "setup":
        out = setup(
            sessions=args.sessions,
            reviewers=args.reviewers,
            interactions=args.interactions,
            criteria=args.criteria,
        )
    else:
        out = verify(json.loads(Path(args.world).read_text()))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
