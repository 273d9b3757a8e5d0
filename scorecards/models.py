import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from .scales import Scale, ScaleKind


class Scorecard(models.Model):
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="scorecards")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scorecards_created",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="scorecard_unique_team_name")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("scorecards:detail", args=[self.pk])


class ScorecardVersion(models.Model):
    """A snapshot of the criteria. Locked once a session uses it; edits then start a new one."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scorecard_versions_created",
    )
    updated_at = models.DateTimeField(auto_now=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    # Human-readable list of what changed since the previous version.
    changes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "number"], name="scorecard_version_unique_number"
            )
        ]

    def __str__(self):
        return f"{self.scorecard.name} v{self.number}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Criterion(models.Model):
    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="criteria")
    # Stable across versions, so history and statistics can follow "the same" criterion.
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidance_right = models.TextField("What doing it right looks like", blank=True)
    guidance_wrong = models.TextField("What doing it wrong looks like", blank=True)
    group = models.CharField("Group / section", max_length=120, blank=True)
    scale_kind = models.CharField(max_length=10, choices=ScaleKind.choices)
    scale_points = models.PositiveSmallIntegerField(null=True, blank=True)
    scale_labels = models.JSONField(default=list, blank=True)
    scale_ordered = models.BooleanField(default=True)
    fail_values = models.JSONField(default=list, blank=True)
    na_allowed = models.BooleanField("N/A allowed", default=False)
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    critical = models.BooleanField(
        default=False, help_text="A failed critical criterion fails the whole interaction."
    )
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField("Active", default=True)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="criterion_unique_key"),
            models.CheckConstraint(
                condition=models.Q(scale_kind__in=ScaleKind.values),
                name="criterion_scale_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0), name="criterion_weight_gte_0"
            ),
            models.CheckConstraint(
                condition=~models.Q(scale_kind=ScaleKind.NUMERIC)
                | models.Q(scale_points__gte=2, scale_points__lte=10),
                name="criterion_numeric_points_2_to_10",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def scale(self) -> Scale:
        return Scale(
            kind=self.scale_kind,
            points=self.scale_points,
            labels=tuple(self.scale_labels or ()),
            ordered=self.scale_ordered,
            fail_values=tuple(self.fail_values or ()),
        )


class CalibrationNote(models.Model):
    """A consensus note ("how to read this criterion from now on") kept with the criterion.

    It follows the criterion's `key` across versions. The session layer writes it when a
    consensus is recorded; scorecards sits below sessions, so the session, its date and the
    agreed example are plain copies plus a generic reference (`source_kind`, `source_id`), never
    a foreign key into sessions. It holds only what the consensus itself states: the agreed
    rating, never a reviewer's rating, comment or name.
    """

    SOURCE_CONSENSUS = "consensus"

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="calibration_notes"
    )
    criterion_key = models.UUIDField(db_index=True)
    # The version's criterion the consensus was recorded on (its name at the time).
    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="calibration_notes"
    )
    text = models.TextField()
    source_kind = models.CharField(max_length=20, default=SOURCE_CONSENSUS)
    source_id = models.PositiveBigIntegerField()
    session_id = models.PositiveBigIntegerField()
    session_title = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()
    interaction_id = models.PositiveBigIntegerField(null=True, blank=True)
    interaction_label = models.CharField(max_length=450, blank=True)
    rating_label = models.CharField(max_length=200, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when the note was folded into the guidance of this version.
    folded_into = models.ForeignKey(
        ScorecardVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="folded_notes",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], name="calibration_note_unique_source"
            ),
            models.CheckConstraint(
                condition=models.Q(folded_into__isnull=True)
                | models.Q(superseded_at__isnull=False),
                name="calibration_note_folded_is_superseded",
            ),
        ]

    def __str__(self):
        return f"Note on {self.criterion.name} from {self.session_title}"

    @property
    def is_superseded(self) -> bool:
        return self.superseded_at is not None
