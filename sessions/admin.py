"""Admin for support staff. Blindness holds here too, for a superuser as for anyone: ratings
are listed only through the one visibility function (an unrevealed rating or a draft
excluded at the reveal is not in the admin at all), people behind ratings are named through
the one viewer policy (aliases in an anonymous session), and no rating can be edited or
deleted here (blind ones are the reviewers' own; revealed ones are frozen, later changes are
revisions). Changes made here are recorded with their old and new values (teams.audit)."""

from django.contrib import admin
from django.db.models import Q

from teams.audit import AuditedAdmin

from .models import (
    ActionItem,
    CalibrationSession,
    Consensus,
    Participant,
    ReviewAnswer,
    Revision,
    Score,
    SessionInteraction,
    SessionStatus,
    SessionTemplate,
    Submission,
    Transition,
)
from .selectors.visibility import ViewerPolicy, review_answer_visibility, score_visibility

# Filtering by value or comment from the URL would reveal ratings by elimination.
BLIND_FIELDS = {"value", "is_na", "comment", "client_ts"}
REVIEW_ANSWER_FIELDS = {
    "relevant",
    "trending",
    "mistakes",
    "proposal",
    "new_wording",
    "new_guidance",
    "new_scale",
    "new_weight",
    "new_critical",
    "comment",
    "client_ts",
}
# Which alias is whom is the secret of an anonymous reveal: never shown next to a name.
ALIAS_FIELDS = frozenset({"alias"})


def rater_label(participant: Participant) -> str:
    """Who gave a rating, as a reader outside the session sees it: the alias in an anonymous
    session, the name otherwise."""
    return ViewerPolicy(anonymous=participant.session.anonymous, viewer_id=None).export_label(
        participant
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__")[0] in BLIND_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)


class RatingAdmin(ReadOnlyAdmin):
    """Read-only pages of ratings, titled through the viewer policy: a rating's own text
    names the reviewer, even in an anonymous session."""

    change_form_template = "admin/rating_change_form.html"
    object_history_template = "admin/rating_object_history.html"

    # What a page calls the rating: its rater through the viewer policy, and its criterion.
    label_prefix = ""

    def score_of(self, obj):
        return obj

    def object_label(self, obj) -> str:
        score = self.score_of(obj)
        return f"{self.label_prefix}{rater_label(score.participant)} · {score.criterion}"

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context.update(subtitle=self.object_label(obj), object_label=self.object_label(obj))
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            label = self.object_label(obj)
            extra_context = {
                **(extra_context or {}),
                "title": f"Change history: {label}",
                "object_label": label,
            }
        return super().history_view(request, object_id, extra_context)


class FrozenWhenClosedInline(admin.TabularInline):
    """A closed session's rows feed its report summaries, written once at the close: the admin
    shows them but cannot change them (a moved date or role would leave the reports wrong)."""

    def _closed(self, obj) -> bool:
        return obj is not None and obj.status == SessionStatus.CLOSED

    def has_add_permission(self, request, obj=None):
        return not self._closed(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._closed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._closed(obj) and super().has_delete_permission(request, obj)


class SessionInteractionInline(FrozenWhenClosedInline):
    model = SessionInteraction
    extra = 0
    raw_id_fields = ["interaction"]
    readonly_fields = ["revealed_at", "unsubmitted_policy"]


class ParticipantInline(FrozenWhenClosedInline):
    model = Participant
    extra = 0
    fields = ["user", "role", "joined_at"]
    # Who a participant is never changes: moved to another user, their blind ratings would
    # become that user's "own" ratings.
    readonly_fields = ["user", "joined_at"]
    audit_hidden_fields = ALIAS_FIELDS

    def has_add_permission(self, request, obj=None):
        return False  # the join link and the create form give a reviewer their alias


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "detail", "actor", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(AuditedAdmin):
    list_display = ["title", "team", "kind", "status", "source", "scorecard_version", "created_at"]
    list_filter = ["kind", "status", "source", "team", "anonymous"]
    search_fields = ["title", "join_code"]
    date_hierarchy = "created_at"
    raw_id_fields = ["scorecard_version", "baseline", "created_by", "template"]
    filter_horizontal = ["criteria"]
    # A session's kind decides which consumer, models and rules serve it, and a review's
    # resulting version is written by its close: neither may be edited afterwards.
    readonly_fields = [
        "kind",
        "join_code",
        "scoring_started_at",
        "revealed_at",
        "closed_at",
        "resulting_version",
    ]
    inlines = [SessionInteractionInline, ParticipantInline, TransitionInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != SessionStatus.DRAFT:
            # Reviewers scored under the promise of an anonymous reveal (or not): turning it
            # off afterwards would name every alias.
            fields.append("anonymous")
        if obj is not None and obj.status == SessionStatus.CLOSED:
            # Its report summaries were written at the close from these fields: only the
            # title may still be corrected.
            fields += [
                f.name
                for f in obj._meta.concrete_fields + obj._meta.many_to_many
                if f.editable and f.name not in {"title", *fields}
            ]
        return fields


@admin.register(Score)
class ScoreAdmin(RatingAdmin):
    list_display = ["rater", "session", "interaction", "criterion", "shown_value", "comment"]
    list_filter = ["item__session__status"]
    search_fields = ["item__session__title", "criterion__name"]
    list_select_related = [
        "participant__user",
        "participant__session",
        "item__session",
        "item__interaction",
        "criterion",
    ]
    fields = ["rater", "session", "interaction", "criterion", "shown_value", "comment"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(score_visibility(request.user))

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            # A name finds ratings only where names are shown: never in an anonymous session.
            named = queryset.filter(item__session__anonymous=False).filter(
                Q(participant__user__username__icontains=search_term)
                | Q(participant__user__first_name__icontains=search_term)
                | Q(participant__user__last_name__icontains=search_term)
            )
            results = results | named
        return results, duplicates

    @admin.display(description="rater")
    def rater(self, score):
        return rater_label(score.participant)

    @admin.display(description="session")
    def session(self, score):
        return score.item.session

    @admin.display(description="interaction")
    def interaction(self, score):
        return score.item.interaction

    @admin.display(description="value")
    def shown_value(self, score):
        return score.criterion.scale.label_for(None if score.is_na else score.value)


@admin.register(Revision)
class RevisionAdmin(RatingAdmin):
    list_display = ["rater", "criterion", "shown_value", "comment", "revised_at"]
    list_select_related = ["score__participant__session", "score__participant__user"]
    fields = ["rater", "criterion", "shown_value", "comment", "revised_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        visible = Score.objects.filter(score_visibility(request.user))
        return super().get_queryset(request).filter(score__in=visible)

    label_prefix = "Revision by "

    def score_of(self, revision):
        return revision.score

    @admin.display(description="rater")
    def rater(self, revision):
        return rater_label(revision.score.participant)

    @admin.display(description="criterion")
    def criterion(self, revision):
        return revision.score.criterion

    @admin.display(description="value")
    def shown_value(self, revision):
        scale = revision.score.criterion.scale
        return scale.label_for(None if revision.is_na else revision.value)


@admin.register(Consensus)
class ConsensusAdmin(ReadOnlyAdmin):
    """Read-only: a consensus is recorded in the room, after its interaction is revealed, and
    writes its calibration note in the same transaction. The admin would bypass both."""

    list_display = ["item", "criterion", "value", "is_na", "decided_by", "decided_at"]
    search_fields = ["note", "criterion__name"]
    raw_id_fields = ["item", "criterion", "decided_by"]


@admin.register(ActionItem)
class ActionItemAdmin(AuditedAdmin):
    list_display = ["text", "session", "owner", "created_at"]
    search_fields = ["text"]
    raw_id_fields = ["session", "owner", "created_by"]


@admin.register(SessionTemplate)
class SessionTemplateAdmin(AuditedAdmin):
    list_display = ["name", "team", "scorecard", "sample_size", "next_rotation_index"]
    list_filter = ["team"]
    search_fields = ["name"]
    filter_horizontal = ["reviewers"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """Who submitted what, except after an anonymous reveal, where the viewer policy shows no
    one's progress (a named missing mark would point at the missing alias)."""

    list_display = ["participant", "item", "submitted_at"]
    list_select_related = ["participant__user", "item__session", "item__interaction"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .exclude(item__session__anonymous=True, item__revealed_at__isnull=False)
        )


@admin.register(Participant)
class ParticipantAdmin(AuditedAdmin):
    list_display = ["user", "session", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "session__title"]
    fields = ["session", "user", "role", "joined_at"]
    readonly_fields = ["session", "user", "joined_at"]  # as on the session page
    audit_hidden_fields = ALIAS_FIELDS

    def has_add_permission(self, request):
        return False  # the join link and the create form give a reviewer their alias

    def has_change_permission(self, request, obj=None):
        # As on the session page: a closed session's roles fed its report summaries.
        closed = obj is not None and obj.session.status == SessionStatus.CLOSED
        return not closed and super().has_change_permission(request, obj)


@admin.register(ReviewAnswer)
class ReviewAnswerAdmin(ReadOnlyAdmin):
    """Criterion review answers, through the same rule as ratings: the viewer's own, plus those
    of revealed criteria; the people behind them named through the viewer policy."""

    list_display = ["author", "session", "item", "relevant", "trending", "mistakes", "proposal"]
    list_select_related = ["participant__user", "participant__session", "item__criterion"]
    fields = [
        "author",
        "session",
        "item",
        "relevant",
        "trending",
        "mistakes",
        "proposal",
        "new_wording",
        "new_guidance",
        "new_scale",
        "new_weight",
        "new_critical",
        "comment",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(review_answer_visibility(request.user))

    def lookup_allowed(self, lookup, value, request=None):
        # Filtering on an answer from the URL would reveal it by elimination.
        if lookup.split("__")[0] in REVIEW_ANSWER_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="author")
    def author(self, answer):
        return rater_label(answer.participant)

    @admin.display(description="session")
    def session(self, answer):
        return answer.participant.session
