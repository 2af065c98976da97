"""The API of the integrity app.

- ``/api/v1/integrity/initiatives/``: the published initiatives, with their signatories.
- ``/api/v1/integrity/benchmarks/``: the public aggregates of a cycle for one group (filters
  ``questionnaire``, ``year``, ``country``, ``size_class``, ``sector``) and its breakdowns. A group
  that is not shown answers with ``withheld: true`` and the message, never its figures: the
  same whether it is empty or too small.
- ``/api/v1/me/assessments/``: the assessments of the organisations the caller is an active
  member of (session or token), with scores, answers and benchmarks; each read of answers is
  written to the audit log. Someone else's assessment is a 404.
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from integrity import results, services
from integrity.filters import InitiativeFilter
from integrity.forms import DashboardForm
from integrity.models import AnswerAccess, Assessment, Initiative, PledgeSignature, Questionnaire
from portal.api import ReadOnlyViewSet, RequestLanguageMixin, with_search
from portal.api_base import ConditionalListMixin
from portal.api_schema import error

# --- Initiatives ------------------------------------------------------------------------------


class SignatorySerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    country = serializers.CharField(source="organisation.country.code")
    is_demo = serializers.BooleanField(source="organisation.is_demo")
    pledge_version = serializers.IntegerField(source="version.number")

    class Meta:
        model = PledgeSignature
        fields = ["organisation", "country", "is_demo", "pledge_version", "signed_at"]


class InitiativeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    countries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    signatories = SignatorySerializer(many=True, read_only=True, source="standing_signatures")

    class Meta:
        model = Initiative
        fields = [
            "slug", "url", "name", "summary", "mission", "goals", "year_established", "leading_organisation",
            "activities", "contact_email", "contact_url", "countries", "topics", "is_from_open_sources", "signatories",
        ]  # fmt: skip

    def get_url(self, initiative) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(initiative.get_absolute_url()) if request else initiative.get_absolute_url()


@extend_schema_view(
    list=extend_schema(summary="Published collective action initiatives", description="Filters are those of the page."),
    retrieve=extend_schema(summary="One published initiative, with its signatories"),
)
class InitiativeViewSet(ReadOnlyViewSet):
    serializer_class = InitiativeSerializer
    filterset_class = with_search(InitiativeFilter)
    ordering_fields = ["name", "published_at"]
    ordering = ["name", "pk"]

    def get_queryset(self):
        return (
            Initiative.objects.published()
            .defer("search_document")
            .prefetch_related(
                "countries",
                "topics",
                Prefetch(
                    "signatures",
                    queryset=PledgeSignature.objects.standing()
                    .select_related("organisation", "version")
                    .order_by("signed_at"),
                    to_attr="standing_signatures",
                ),
            )
            .order_by("name", "pk")
        )


# --- Public benchmarks ------------------------------------------------------------------------


def _stat_data(stat) -> dict:
    return {
        "organisations": stat.count,
        "mean": float(round(stat.mean)),
        "median": float(round(stat.median)),
        "q1": float(round(stat.q1)),
        "q3": float(round(stat.q3)),
        "includes_demo_data": stat.has_demo_data,
    }


def _group_data(key) -> dict:
    return {
        "country": key[0] or None,
        "size_class": key[1] or None,
        "sector": key[2] or None,
        "label": results.group_label(key),
    }


class BenchmarkView(RequestLanguageMixin, ConditionalListMixin, APIView):
    """The public aggregates: figures are rounded to whole points, as on the dashboard."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Benchmarks of one group of organisations in one cycle",
        parameters=[
            OpenApiParameter("questionnaire", OpenApiTypes.STR, description="Slug (the first open one by default)"),
            OpenApiParameter("year", OpenApiTypes.INT, description="Cycle (the latest with figures by default)"),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO 3166-1 code"),
            OpenApiParameter("size_class", OpenApiTypes.STR, enum=["micro", "small", "medium", "large"]),
            OpenApiParameter("sector", OpenApiTypes.STR, description="ISIC Rev.4 section, A–U"),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: error("A filter is not valid; `fields` says which and why."),
            404: error("No published questionnaire with that slug."),
        },
    )
    def get(self, request):
        slug = request.query_params.get("questionnaire")
        queryset = Questionnaire.objects.filter(versions__status="published").distinct().order_by("pk")
        questionnaire = queryset.filter(slug=slug).first() if slug else queryset.first()
        if questionnaire is None:
            raise exceptions.NotFound("No such questionnaire.")
        cycles = results.cycles_with_figures(questionnaire)
        form = DashboardForm(request.query_params, cycles=cycles, choices={"country": []})
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        cycle = form.cleaned_data.get("year") or (cycles[0] if cycles else None)
        key = (form.cleaned_data["country"], form.cleaned_data["size_class"], form.cleaned_data["sector"])
        data = {"questionnaire": questionnaire.slug, "year": cycle, "group": _group_data(key)}
        if cycle is None:
            return Response({**data, "withheld": True, "message": results.withheld_message()})
        board = results.dashboard_for(questionnaire, cycle, key)
        if not board.is_shown:
            return Response({**data, "withheld": True, "message": results.withheld_message()})
        data.update(
            {
                "withheld": False,
                "metrics": {metric: _stat_data(stat) for metric, stat in sorted(board.stats.items())},
                "breakdowns": {
                    part["dimension"]: [
                        {"group": _group_data(stat.group_key), **_stat_data(stat)} for stat in part["rows"]
                    ]
                    for part in board.breakdowns
                },
                "note": results.withheld_message(),
                "includes_demo_data": board.has_demo_data,
            }
        )
        return Response(data)


# --- The member's own assessments ---------------------------------------------------------------


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField(source="question.code")
    option = serializers.SerializerMethodField()
    not_applicable = serializers.BooleanField(source="is_not_applicable")
    answered_at = serializers.DateTimeField()

    def get_option(self, answer) -> str | None:
        return answer.option.label if answer.option_id else None


class MyAssessmentSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.slug")
    organisation_is_demo = serializers.BooleanField(source="organisation.is_demo")
    questionnaire = serializers.CharField(source="questionnaire.slug")
    version = serializers.IntegerField(source="version.number")
    section_scores = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id", "organisation", "organisation_is_demo", "questionnaire", "version", "cycle", "status", "score",
            "submitted_at", "section_scores",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_section_scores(self, assessment) -> dict:
        return {row.section_code: float(row.score) for row in assessment.section_scores.all()}


class MyAssessmentDetailSerializer(MyAssessmentSerializer):
    answers = AnswerSerializer(many=True, read_only=True)
    benchmarks = serializers.SerializerMethodField()

    class Meta(MyAssessmentSerializer.Meta):
        fields = [*MyAssessmentSerializer.Meta.fields, "answers", "benchmarks"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_benchmarks(self, assessment) -> list[dict]:
        if not assessment.is_submitted:
            return []
        data = results.results_for(assessment)
        return [
            {
                "kind": "-".join(results.kind_of_key(group.key)) or "all",
                "group": _group_data(group.key),
                **(
                    {"withheld": False, **_stat_data(group.stat), "percentile": group.percentile}
                    if group.is_shown
                    else {"withheld": True, "message": results.withheld_message()}
                ),
            }
            for group in data.groups
        ]


@extend_schema_view(
    list=extend_schema(summary="The self-assessments of my organisations"),
    retrieve=extend_schema(summary="One of my organisations' self-assessments, with answers and benchmarks"),
)
class MyAssessmentViewSet(RequestLanguageMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["cycle", "status"]
    ordering = ["-cycle", "pk"]
    ordering_fields = ["cycle"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Assessment.objects.none()
        queryset = (
            Assessment.objects.of_member(self.request.user)
            .select_related("organisation", "questionnaire", "version")
            .prefetch_related("section_scores")
            .order_by("-cycle", "pk")
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("answers__question", "answers__option")
        return queryset

    def get_serializer_class(self):
        return MyAssessmentDetailSerializer if self.action == "retrieve" else MyAssessmentSerializer

    def retrieve(self, request, *args, **kwargs):
        assessment = self.get_object()
        services.record_access(
            assessment=assessment, viewer=request.user, action=AnswerAccess.Action.API, surface="api"
        )
        return Response(self.get_serializer(assessment).data)
