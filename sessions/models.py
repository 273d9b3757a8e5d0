import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse

from interactions.models import Channel

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on a call


def reviewer_alias(index: int) -> str:
    """The name shown in an anonymous reveal: Reviewer A, B, … Z, then A1, B1, …"""
    letter = chr(ord("A") + index % 26)
    return f"Reviewer {letter}{index // 26 if index >= 26 else ''}"


def normalize_join_code(text: str) -> str:
    """What people type or paste: "tzg-jpl ", "TZG JPL" and "TZGJPL" are the same code."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(6))


class SessionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCORING = "scoring", "Scoring"
    REVEALED = "revealed", "Revealed"
    CLOSED = "closed", "Closed"


class SessionKind(models.TextChoices):
    SCORING = "scoring", "Scoring session"
    CRITERION_REVIEW = "criterion_review", "Criterion review"


class SessionSource(models.TextChoices):
    LIVE = "live", "Live session"
    IMPORT = "import", "Imported from a spreadsheet"


class UnsubmittedPolicy(models.TextChoices):
    EXCLUDE = "exclude", "Exclude reviewers who have not submitted"
    INCLUDE_DRAFTS = "include_drafts", "Include their drafts"


class SessionTemplate(models.Model):
    """A recurring session ("Weekly calibration") that rotates channels."""

    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, related_name="session_templates"
    )
    name = models.CharField(max_length=200)
    scorecard = models.ForeignKey(
        "scorecards.Scorecard", on_delete=models.CASCADE, related_name="session_templates"
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="session_templates", blank=True
    )
    channel_rotation = models.JSONField(default=list, blank=True)
    next_rotation_index = models.PositiveIntegerField(default=0)
    sample_size = models.PositiveSmallIntegerField(default=2)
    anonymous = models.BooleanField(default=False)
    facilitator_scores = models.BooleanField(default=False)
    baseline = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="baseline_templates",
    )
    timer_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    # When set, each new session samples the rotation's channel from this helpdesk (the last
    # seven days' solved conversations), imports them, then uses them.
    helpdesk_connection = models.ForeignKey(
        "interactions.HelpdeskConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="session_templates",
    )
    # Privacy for what the rotation imports from the helpdesk, as on the create form.
    helpdesk_mask = models.BooleanField("Mask customer contact and card numbers", default=False)
    helpdesk_hide_agent_name = models.BooleanField("Hide the agent's name", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="session_templates_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="session_template_unique_name")
        ]

    def __str__(self):
        return self.name

    @property
    def next_channel(self) -> str | None:
        if not self.channel_rotation:
            return None
        return self.channel_rotation[self.next_rotation_index % len(self.channel_rotation)]

    @property
    def next_channel_label(self) -> str:
        channel = self.next_channel
        return Channel(channel).label if channel else "any channel"


class CalibrationSession(models.Model):
    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, related_name="calibration_sessions"
    )
    title = models.CharField(max_length=200)
    # Scoring sessions rate interactions; criterion reviews rate the scorecard's criteria
    # themselves (issue 9). Statistics and history count scoring sessions only.
    kind = models.CharField(max_length=20, choices=SessionKind.choices, default=SessionKind.SCORING)
    scorecard_version = models.ForeignKey(
        "scorecards.ScorecardVersion", on_delete=models.PROTECT, related_name="sessions"
    )
    # The subset being calibrated; chosen at creation, always filled in.
    criteria = models.ManyToManyField("scorecards.Criterion", related_name="sessions")
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    source = models.CharField(
        max_length=10, choices=SessionSource.choices, default=SessionSource.LIVE
    )
    anonymous = models.BooleanField("Anonymous reveal", default=False)
    facilitator_scores = models.BooleanField("Facilitator also scores", default=False)
    baseline = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="baseline_sessions",
        help_text="Whose ratings are the reference (for example the QA lead).",
    )
    timer_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    template = models.ForeignKey(
        SessionTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="calibration_sessions_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    scoring_started_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    held_on_date = models.DateField(null=True, blank=True)
    # A criterion review's outcome: the scorecard version its decisions were written to.
    resulting_version = models.ForeignKey(
        "scorecards.ScorecardVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Bumped in the transaction of every change everyone sees: the key of the session's shared
    # live state, computed once per version (sessions.selectors.snapshot).
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SessionStatus.values),
                name="session_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=SessionKind.values),
                name="session_kind_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("sessions:room", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == SessionStatus.CLOSED


class SessionInteraction(models.Model):
    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="items")
    interaction = models.ForeignKey(
        "interactions.Interaction", on_delete=models.PROTECT, related_name="session_items"
    )
    position = models.PositiveSmallIntegerField(default=0)
    revealed_at = models.DateTimeField(null=True, blank=True)
    unsubmitted_policy = models.CharField(
        max_length=20, choices=UnsubmittedPolicy.choices, blank=True
    )

    class Meta:
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "interaction"], name="session_item_unique_interaction"
            )
        ]

    def __str__(self):
        return f"{self.session} · {self.interaction}"

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None


class ParticipantRole(models.TextChoices):
    FACILITATOR = "facilitator", "Facilitator"
    REVIEWER = "reviewer", "Reviewer"
    OBSERVER = "observer", "Observer"


class Participant(models.Model):
    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(max_length=12, choices=ParticipantRole.choices)
    # Shown instead of the name in an anonymous reveal: "Reviewer A".
    alias = models.CharField(max_length=40, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "alias", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="participant_unique_user")
        ]

    def __str__(self):
        return f"{self.user} in {self.session}"

    def scores_in(self, session: "CalibrationSession") -> bool:
        """Reviewers score; the facilitator too when the session says so. (The session is
        passed in so lists of participants need no query each.)"""
        if self.role == ParticipantRole.REVIEWER:
            return True
        return self.role == ParticipantRole.FACILITATOR and session.facilitator_scores


class Score(models.Model):
    """The blind rating. Frozen at the reveal; later changes are Revisions."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(SessionInteraction, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.PROTECT, related_name="scores"
    )
    value = models.SmallIntegerField(null=True, blank=True)
    is_na = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    # Client clock of the newest applied change: an older re-send never overwrites a newer one.
    client_ts = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    # Set at the reveal: False when the reviewer had not submitted and was excluded.
    included = models.BooleanField(default=True)

    class Meta:
        ordering = ["item", "criterion", "participant"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "item", "criterion"], name="score_unique_per_rater"
            ),
            models.CheckConstraint(
                condition=~(models.Q(is_na=True) & models.Q(value__isnull=False)),
                name="score_na_has_no_value",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0, value__lte=10),
                name="score_value_in_0_10",
            ),
        ]

    def __str__(self):
        return f"{self.participant} · {self.criterion}"

    @property
    def is_rated(self) -> bool:
        return self.is_na or self.value is not None


class Submission(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="submissions"
    )
    item = models.ForeignKey(
        SessionInteraction, on_delete=models.CASCADE, related_name="submissions"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "item"], name="submission_unique")
        ]

    def __str__(self):
        return f"{self.participant} submitted {self.item}"


class Revision(models.Model):
    """A rating changed after the discussion; the blind Score is never overwritten."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="revisions")
    value = models.SmallIntegerField(null=True, blank=True)
    is_na = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="revisions"
    )
    revised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["score", "revised_at", "id"]

    def __str__(self):
        return f"Revision of {self.score}"


class Consensus(models.Model):
    item = models.ForeignKey(SessionInteraction, on_delete=models.CASCADE, related_name="consensus")
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.PROTECT, related_name="consensus"
    )
    value = models.SmallIntegerField(null=True, blank=True)
    is_na = models.BooleanField(default=False)
    note = models.TextField("How to read this criterion from now on", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "consensus ratings"
        constraints = [
            models.UniqueConstraint(fields=["item", "criterion"], name="consensus_unique"),
        ]

    def __str__(self):
        return f"Consensus on {self.criterion}"


class ActionItem(models.Model):
    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="action_items"
    )
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "created_at", "id"]

    def __str__(self):
        return self.text


class DiscussionFlag(models.Model):
    """A reviewer wants the group to talk about this criterion of this interaction. It says
    nothing about their rating, so it may be set (and seen) before the reveal."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="discussion_flags"
    )
    item = models.ForeignKey(
        SessionInteraction, on_delete=models.CASCADE, related_name="discussion_flags"
    )
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.PROTECT, related_name="discussion_flags"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "item", "criterion"], name="discussion_flag_unique"
            ),
        ]

    def __str__(self):
        return f"{self.participant} flagged {self.criterion}"


TIMEBOX_MAX_MINUTES = 60


class DiscussionTimebox(models.Model):
    """The time box of the criterion under discussion: one at a time per session. Its start is
    stored so a reload or a reconnect shows the same remaining time."""

    session = models.OneToOneField(
        CalibrationSession, on_delete=models.CASCADE, related_name="timebox"
    )
    item = models.ForeignKey(SessionInteraction, on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=TIMEBOX_MAX_MINUTES),
                name="discussion_timebox_minutes_range",
            ),
        ]

    def __str__(self):
        return f"{self.minutes} min on {self.criterion}"

    @property
    def ends_at(self):
        return self.started_at + timedelta(minutes=self.minutes)


class Transition(models.Model):
    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=10, choices=SessionStatus.choices)
    to_status = models.CharField(max_length=10, choices=SessionStatus.choices)
    detail = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "at", "id"]

    def __str__(self):
        return f"{self.session}: {self.from_status} → {self.to_status}"


# Browsers send a heartbeat every HEARTBEAT_SECONDS (static/js); a connection not heard from
# for three heartbeats is gone (its worker died without running `disconnect`).
HEARTBEAT_SECONDS = 5
CONNECTION_EXPIRY = timedelta(seconds=3 * HEARTBEAT_SECONDS)


class Connection(models.Model):
    """An open websocket, for presence across workers. Stale rows expire via last_seen_at."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="connections"
    )
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.participant} via {self.channel_name}"


class ReviewerReference(models.TextChoices):
    CONSENSUS = "consensus", "Consensus"
    BASELINE = "baseline", "Baseline"


class SessionSummary(models.Model):
    """A closed session's headline figures for the reports, written when it closes or is
    imported (services.summaries): report pages read these rows, never every rating."""

    session = models.OneToOneField(
        CalibrationSession, on_delete=models.CASCADE, related_name="summary"
    )
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    held_on_date = models.DateField(db_index=True)
    # The interactions' channel when they share one, blank when mixed.
    channel = models.CharField(max_length=20, blank=True)
    n_interactions = models.PositiveIntegerField(default=0)
    n_reviewers = models.PositiveIntegerField(default=0)  # participants who rated
    n_ratings = models.PositiveIntegerField(default=0)
    alpha = models.JSONField(default=dict)  # agreement.trends.alpha_figure over all criteria
    exact_agreement = models.FloatField(null=True)
    mean_spread = models.FloatField(null=True)
    # The summary page's statistics (agreement.session_statistics), the same for every viewer
    # of a closed session: computed once at the close instead of on every visit.
    report = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["team", "held_on_date"], name="summary_team_date")]

    def __str__(self):
        return f"Summary of {self.session}"


class SessionCriterionSummary(models.Model):
    """One criterion of one closed session: its units' value counts (what trends pool), its
    agreement and its N/A and fail counts."""

    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="criterion_summaries"
    )
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.CASCADE, related_name="session_summaries"
    )
    held_on_date = models.DateField()
    channel = models.CharField(max_length=20, blank=True)
    # Per interaction, ratings per code from the scale's min to its max (agreement.trends).
    unit_counts = models.JSONField(default=list)
    n_units = models.PositiveIntegerField(default=0)  # interactions with two ratings or more
    n_ratings = models.PositiveIntegerField(default=0)
    n_na = models.PositiveIntegerField(default=0)
    n_fail = models.PositiveIntegerField(default=0)
    alpha = models.JSONField(default=dict)
    exact_agreement = models.FloatField(null=True)
    mean_spread = models.FloatField(null=True)
    most_disputed = models.BooleanField(default=False)  # the session's highest mean spread

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "criterion"], name="criterion_summary_unique"
            )
        ]
        indexes = [models.Index(fields=["team", "held_on_date"], name="crit_summary_team_date")]

    def __str__(self):
        return f"{self.criterion} in {self.session}"


class SessionReviewerSummary(models.Model):
    """One reviewer's deviations on one criterion of one closed session from one reference,
    as sums (agreement.reviewers.deviation_sums), so any period pools exactly."""

    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="reviewer_summaries"
    )
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_summaries"
    )
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.CASCADE, related_name="reviewer_summaries"
    )
    reference = models.CharField(max_length=10, choices=ReviewerReference.choices)
    held_on_date = models.DateField()
    # Kept apart so a profile shown to others never lines up with an anonymous session's alias.
    anonymous = models.BooleanField(default=False)
    n = models.PositiveIntegerField(default=0)  # compared ratings on magnitude criteria
    dev_sum = models.FloatField(default=0)
    dev_sq = models.FloatField(default=0)
    abs_sum = models.FloatField(default=0)
    match = models.PositiveIntegerField(default=0)
    n_compared = models.PositiveIntegerField(default=0)  # every criterion

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user", "criterion", "reference"],
                name="reviewer_summary_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(reference__in=ReviewerReference.values),
                name="reviewer_summary_reference_valid",
            ),
        ]
        indexes = [models.Index(fields=["team", "user"], name="rev_summary_team_user")]

    def __str__(self):
        return f"{self.user} on {self.criterion} in {self.session}"


class SessionPatternSummary(models.Model):
    """How many of a closed session's interactions got one pattern of ratings on a criterion
    ("0,2,1,0,0": ratings per code). Alpha needs only these counts, so any period's alpha,
    with its bootstrap interval, comes from a GROUP BY over this table."""

    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="pattern_summaries"
    )
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.CASCADE, related_name="pattern_summaries"
    )
    held_on_date = models.DateField()
    channel = models.CharField(max_length=20, blank=True)
    pattern = models.CharField(max_length=120)
    n_units = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["team", "held_on_date"], name="pattern_team_date")]

    def __str__(self):
        return f"{self.pattern} × {self.n_units} on {self.criterion} in {self.session}"


class RollupPeriod(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class PatternRollup(models.Model):
    """`SessionPatternSummary` summed per week and per month (Monday / first-of-month `start`):
    what trends read for whole periods, a few thousand rows in place of every session's.
    A pure function of the session rows, rewritten with them (services.summaries)."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.CASCADE, related_name="pattern_rollups"
    )
    channel = models.CharField(max_length=20, blank=True)
    span = models.CharField(max_length=5, choices=RollupPeriod.choices)  # week or month
    start = models.DateField()
    pattern = models.CharField(max_length=120)
    n_units = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["team", "span", "start"], name="pattern_rollup_span")]

    def __str__(self):
        return f"{self.pattern} × {self.n_units} on {self.criterion}, {self.span} of {self.start}"


class CriterionRollup(models.Model):
    """`SessionCriterionSummary` counted per week and per month: sessions, ratings, N/A, fail
    and most-disputed counts of one criterion (and channel) in one period."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.CASCADE, related_name="criterion_rollups"
    )
    channel = models.CharField(max_length=20, blank=True)
    span = models.CharField(max_length=5, choices=RollupPeriod.choices)  # week or month
    start = models.DateField()
    n_sessions = models.PositiveIntegerField(default=0)
    n_units = models.PositiveIntegerField(default=0)
    n_ratings = models.PositiveIntegerField(default=0)
    n_na = models.PositiveIntegerField(default=0)
    n_fail = models.PositiveIntegerField(default=0)
    n_disputed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "criterion", "channel", "span", "start"],
                name="criterion_rollup_unique",
            )
        ]

    def __str__(self):
        return f"{self.criterion}, {self.span} of {self.start}"


class ReviewerRollup(models.Model):
    """`SessionReviewerSummary` summed per month: one reviewer's deviation sums on one
    criterion from one reference, anonymous sessions kept apart as in the session rows."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_rollups"
    )
    criterion = models.ForeignKey(
        "scorecards.Criterion", on_delete=models.CASCADE, related_name="reviewer_rollups"
    )
    reference = models.CharField(max_length=10, choices=ReviewerReference.choices)
    anonymous = models.BooleanField(default=False)
    start = models.DateField()  # the month's first day
    n = models.PositiveIntegerField(default=0)
    dev_sum = models.FloatField(default=0)
    dev_sq = models.FloatField(default=0)
    abs_sum = models.FloatField(default=0)
    match = models.PositiveIntegerField(default=0)
    n_compared = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["team", "start"], name="reviewer_rollup_month")]

    def __str__(self):
        return f"{self.user} on {self.criterion} against the {self.reference}, {self.start}"


class TrendPoint(models.Model):
    """One whole period's agreement figures of one trends series (agreement.trends, with its
    bootstrap), kept once computed: a memo of what the pattern rollups give. The rollups'
    writer deletes the points of every period it rewrites, and a point whose session and
    rating counts no longer match the rollups' is recomputed, so a point is never stale."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    series_group = models.CharField(max_length=10)  # team, scorecard, criterion, channel
    scorecard_filter = models.PositiveIntegerField(default=0)  # a scorecard id, 0 for any
    series_key = models.CharField(max_length=200)
    period = models.CharField(max_length=7)  # week, month, quarter
    start = models.DateField()
    n_resamples = models.PositiveIntegerField()
    n_sessions = models.PositiveIntegerField()
    n_ratings = models.PositiveIntegerField()
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "team",
                    "series_group",
                    "scorecard_filter",
                    "period",
                    "n_resamples",
                    "start",
                    "series_key",
                ],
                name="trend_point_unique",
            )
        ]

    def __str__(self):
        return f"{self.series_key}, {self.period} of {self.start}"


# --- criterion reviews (issue 9) ---------------------------------------------------------------


class ReviewAnswerChoice(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNSURE = "unsure", "Unsure"


class ReviewProposal(models.TextChoices):
    KEEP = "keep", "Keep"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"


class ReviewDecision(models.TextChoices):
    KEEP = "keep", "Keep"
    CHANGE = "change", "Change"
    DELETE = "delete", "Delete"
    ADD = "add", "Add"
    REJECT = "reject", "Reject"


class ReviewItem(models.Model):
    """One thing a criterion review discusses: a criterion of the reviewed version, or a new
    criterion a participant proposed during the session (`criterion` is then empty and
    `proposal` holds its wording). Answers stay blind until `revealed_at`."""

    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="review_items"
    )
    criterion = models.ForeignKey(
        "scorecards.Criterion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_items",
    )
    # A proposed criterion: {"name", "description", "guidance_right", "guidance_wrong",
    # "scale"} as the proposer typed them.
    proposal = models.JSONField(default=dict, blank=True)
    proposed_by = models.ForeignKey(
        "Participant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_proposals",
    )
    position = models.PositiveSmallIntegerField(default=0)
    # The criterion the facilitator is on is the one focused last.
    focused_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices, blank=True)
    # For "change" and "add": the criterion as decided (name, guidance, scale, weight, critical).
    decision_data = models.JSONField(default=dict, blank=True)
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "criterion"],
                condition=models.Q(criterion__isnull=False),
                name="review_item_unique_criterion",
            ),
            models.CheckConstraint(
                condition=models.Q(decision="") | models.Q(decision__in=ReviewDecision.values),
                name="review_item_decision_valid",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_proposal(self) -> bool:
        return self.criterion_id is None

    @property
    def name(self) -> str:
        if self.criterion_id is not None:
            return self.criterion.name
        return self.proposal.get("name", "Proposed criterion")

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None


class ReviewAnswer(models.Model):
    """One participant's blind answer on one review item: the three questions, a proposal and
    a comment. Only its author sees it before the item is revealed (visibility.py)."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="review_answers"
    )
    relevant = models.CharField(max_length=8, choices=ReviewAnswerChoice.choices, blank=True)
    trending = models.CharField(max_length=8, choices=ReviewAnswerChoice.choices, blank=True)
    mistakes = models.CharField(max_length=8, choices=ReviewAnswerChoice.choices, blank=True)
    proposal = models.CharField(max_length=8, choices=ReviewProposal.choices, blank=True)
    # What a "change" proposes, each optional: free text, the group decides the exact wording.
    new_wording = models.TextField(blank=True)
    new_guidance = models.TextField(blank=True)
    new_scale = models.CharField(max_length=200, blank=True)
    new_weight = models.CharField(max_length=20, blank=True)
    new_critical = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # Client clock of the newest applied change: an older re-send never overwrites a newer one.
    client_ts = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item", "participant"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "item"], name="review_answer_unique_per_participant"
            ),
        ]

    def __str__(self):
        return f"{self.participant} on {self.item}"
