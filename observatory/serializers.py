"""What the API shows of observatories and publications: what their public pages show.

Files are offered through the download view (``PublicationFile.get_absolute_url``), which
counts each download and refuses files of unpublished publications; the stored file's own
address is never given. Stakeholder comments are not part of the API.
"""

from datetime import date

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from observatory.models import (
    Collaborator,
    Dataset,
    FocusArea,
    Indicator,
    Observation,
    Observatory,
    Partner,
    Publication,
    PublicationFile,
)


def absolute_url(serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


# --- Observatories ------------------------------------------------------------------------


class ObservatoryPartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["name", "acronym", "kind", "location", "role", "website"]


class FocusAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = FocusArea
        fields = ["title", "description"]


class ObservatorySerializer(serializers.ModelSerializer):
    """An observatory as lists show it. Needs ``publication_count`` (with_publication_count())."""

    url = serializers.SerializerMethodField(help_text="The observatory's page.")
    body = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The responsible body.")
    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    publication_count = serializers.IntegerField(read_only=True, help_text="Its published publications.")

    class Meta:
        model = Observatory
        fields = [
            "slug", "url", "name", "summary", "launched_on", "body", "funding", "website", "topics",
            "publication_count", "updated_at",
        ]  # fmt: skip

    def get_url(self, observatory) -> str:
        return absolute_url(self, observatory.get_absolute_url())


class ObservatoryDetailSerializer(ObservatorySerializer):
    partners = ObservatoryPartnerSerializer(many=True, read_only=True)
    focus_areas = FocusAreaSerializer(many=True, read_only=True, help_text="The subjects it studies, in order.")

    class Meta(ObservatorySerializer.Meta):
        fields = [*ObservatorySerializer.Meta.fields, "mission", "objectives", "partners", "focus_areas"]


# --- Publications -------------------------------------------------------------------------


class PublicationCollaboratorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Collaborator
        fields = ["kind", "name", "affiliation"]


class PublicationFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="title", read_only=True)
    type = serializers.ChoiceField(
        source="file_type", choices=PublicationFile.FileType.choices, read_only=True, help_text="Read from the content."
    )
    size = serializers.IntegerField(read_only=True, help_text="In bytes.")
    download_url = serializers.SerializerMethodField(help_text="Each request to it counts as a download.")
    download_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PublicationFile
        fields = ["name", "type", "size", "download_url", "download_count"]

    def get_download_url(self, file) -> str:
        return absolute_url(self, file.get_absolute_url())


class PublicationSerializer(serializers.ModelSerializer):
    """A publication as the library shows it, with its authors and files."""

    url = serializers.SerializerMethodField(help_text="The publication's page.")
    observatory = serializers.SerializerMethodField(help_text="The slug of its observatory, if any is on the site.")
    bodies = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="The bodies of the bloc that wrote it."
    )
    collaborators = PublicationCollaboratorSerializer(many=True, read_only=True, help_text="Invited authors, in order.")
    countries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    topics = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    events = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug", help_text="Published events that presented it."
    )
    # A plain string, not an enum: the schema's enum of "en"/"es" is the participant's preferred language.
    language = serializers.CharField(
        read_only=True, help_text='The language of the document itself: "en" (English) or "es" (Spanish).'
    )
    cover_image = serializers.ImageField(read_only=True, use_url=True, allow_null=True)
    files = PublicationFileSerializer(many=True, read_only=True)

    class Meta:
        model = Publication
        fields = [
            "slug", "url", "title", "kind", "abstract", "language", "publication_date", "observatory",
            "bodies", "collaborators", "countries", "topics", "events", "cover_image", "cover_alt",
            "external_url", "files", "published_at", "updated_at",
        ]  # fmt: skip

    def get_url(self, publication) -> str:
        return absolute_url(self, publication.get_absolute_url())

    def get_observatory(self, publication) -> str | None:
        observatory = publication.observatory
        return observatory.slug if observatory is not None and observatory.is_public else None


class PublicationDetailSerializer(PublicationSerializer):
    citation = serializers.CharField(source="suggested_citation", read_only=True)

    class Meta(PublicationSerializer.Meta):
        fields = [*PublicationSerializer.Meta.fields, "body", "citation"]


# --- Schema -------------------------------------------------------------------------------


class DetailAsListPlusOwnFields(OpenApiSerializerExtension):
    """In the schema, a detail serializer is its list serializer plus its own fields (``allOf``):
    each choice field then sits in one component only, so its enum gets a plain name
    (PublicationKindEnum beside EventKindEnum) instead of a naming collision."""

    target_class = "observatory.serializers.PublicationDetailSerializer"
    base_class = PublicationSerializer

    def map_serializer(self, auto_schema, direction):
        full = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        base = auto_schema.resolve_serializer(self.base_class, direction)
        own = [name for name in self.target.Meta.fields if name not in self.base_class.Meta.fields]
        extra = {"type": "object", "properties": {name: full["properties"][name] for name in own}}
        required = [name for name in full.get("required", []) if name in own]
        if required:
            extra["required"] = required
        return {"allOf": [base.ref, extra]}


class ObservatoryDetailSchema(DetailAsListPlusOwnFields):
    target_class = "observatory.serializers.ObservatoryDetailSerializer"
    base_class = ObservatorySerializer


# --- Indicators and their data --------------------------------------------------------------


def _period_code(kind: str, start) -> str:
    if kind == "Q":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if kind == "M":
        return f"{start.year}-{start.month:02d}"
    return str(start.year)


class CurrentDatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = ["key", "version", "title", "published_at", "is_demo"]


class IndicatorSerializer(serializers.ModelSerializer):
    """An indicator as lists show it. Needs ``current_summaries`` (the view's prefetch)."""

    url = serializers.SerializerMethodField(help_text="The indicator's page (chart, table, downloads).")
    observatory = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    first_period = serializers.SerializerMethodField(help_text="The first period with data (2015, 2015-Q1, 2015-01).")
    last_period = serializers.SerializerMethodField(help_text="The last period with data.")
    is_demo = serializers.SerializerMethodField(help_text="Generated demo data, not official statistics.")

    class Meta:
        model = Indicator
        fields = [
            "slug", "code", "url", "name", "definition", "unit", "unit_symbol", "unit_code", "frequency",
            "decimals", "observatory", "topic", "higher_is_better", "source", "licence", "first_period",
            "last_period", "is_demo",
        ]  # fmt: skip

    def _summary(self, indicator):
        summaries = getattr(indicator, "current_summaries", [])
        return summaries[0] if summaries else None

    def get_url(self, indicator) -> str:
        return absolute_url(self, indicator.get_absolute_url())

    def get_first_period(self, indicator) -> str | None:
        summary = self._summary(indicator)
        return _period_code(summary.period_type, summary.first_period) if summary else None

    def get_last_period(self, indicator) -> str | None:
        summary = self._summary(indicator)
        return _period_code(summary.period_type, summary.last_period) if summary else None

    def get_is_demo(self, indicator) -> bool:
        summary = self._summary(indicator)
        return bool(summary and summary.dataset.is_demo)


class LatestValueSerializer(serializers.Serializer):
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2")
    period = serializers.CharField()
    value = serializers.FloatField()
    status = serializers.CharField(help_text="P provisional, B break in series, E estimate, or empty")


class IndicatorDetailSerializer(IndicatorSerializer):
    methodology = serializers.CharField()
    dataset = serializers.SerializerMethodField()
    countries = serializers.SerializerMethodField(help_text="Countries with data (ISO 3166-1 alpha-2).")
    breakdowns = serializers.SerializerMethodField(help_text="Codes per dimension (sex, age, education); _T: total.")
    latest = serializers.SerializerMethodField(help_text="Per country, the newest value of the headline breakdown.")

    class Meta(IndicatorSerializer.Meta):
        fields = [
            *IndicatorSerializer.Meta.fields, "methodology", "source_url", "licence_url", "dataset", "countries",
            "breakdowns", "latest",
        ]  # fmt: skip

    @extend_schema_field(CurrentDatasetSerializer(allow_null=True))
    def get_dataset(self, indicator):
        summary = self._summary(indicator)
        return CurrentDatasetSerializer(summary.dataset).data if summary else None

    def get_countries(self, indicator) -> list[str]:
        summary = self._summary(indicator)
        return summary.countries if summary else []

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}})
    def get_breakdowns(self, indicator):
        summary = self._summary(indicator)
        return summary.breakdowns if summary else {}

    @extend_schema_field(LatestValueSerializer(many=True))
    def get_latest(self, indicator):
        summary = self._summary(indicator)
        if summary is None:
            return []
        return [
            {
                "country": code,
                "period": _period_code(summary.period_type, date.fromisoformat(latest["period"])),
                "value": latest["value"],
                "status": latest["flag"],
            }
            for code, latest in sorted(summary.latest.items())
        ]


class DatasetSerializer(serializers.ModelSerializer):
    observatory = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    indicators = serializers.SerializerMethodField(help_text="Codes of the indicators in this version.")

    class Meta:
        model = Dataset
        fields = [
            "key", "version", "title", "notes", "source", "observatory", "published_at", "observation_count",
            "file_format", "is_demo", "indicators",
        ]  # fmt: skip

    def get_indicators(self, dataset) -> list[str]:
        return [summary.indicator.code for summary in dataset.summaries.all()]


class ObservationSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code", help_text="The indicator's code.")
    period = serializers.SerializerMethodField(help_text="2024, 2024-Q2 or 2024-05")
    status = serializers.CharField(source="flag", help_text="P provisional, B break in series, E estimate, or empty")
    dataset = serializers.CharField(source="dataset.key")
    dataset_version = serializers.IntegerField(source="dataset.version")
    is_demo = serializers.BooleanField(
        source="dataset.is_demo", help_text="Generated demo data, not official statistics."
    )

    class Meta:
        model = Observation
        fields = [
            "indicator", "country", "period", "period_type", "period_start", "sex", "age", "education", "value",
            "status", "footnote", "coverage", "dataset", "dataset_version", "is_demo",
        ]  # fmt: skip
        extra_kwargs = {
            "coverage": {"help_text": "Share (%) of the records behind the value that publish its inputs, or null."}
        }

    def get_period(self, observation) -> str:
        return _period_code(observation.period_type, observation.period_start)
