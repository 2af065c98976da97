"""What the API shows of observatories and publications: what their public pages show.

Files are offered through the download view (``PublicationFile.get_absolute_url``), which
counts each download and refuses files of unpublished publications; the stored file's own
address is never given. Stakeholder comments are not part of the API.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from observatory.models import Collaborator, FocusArea, Observatory, Partner, Publication, PublicationFile


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
