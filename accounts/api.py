"""/api/v1/me/: the signed-in participant's own profile (session or token authentication)."""

from django.conf import settings
from django_countries import countries
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts import services
from accounts.models import Profile
from portal.api_base import PersonalAnswersMixin


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField(read_only=True, help_text="Shown to its owner only.")
    email_verified = serializers.BooleanField(read_only=True)
    full_name = serializers.CharField(max_length=200)
    organisation = serializers.CharField(max_length=200, allow_blank=True, required=False)
    position = serializers.CharField(max_length=200, allow_blank=True, required=False)
    sector = serializers.ChoiceField(choices=Profile.Sector.choices)
    country = serializers.ChoiceField(
        choices=[(code, code) for code, _name in countries],
        help_text="The participant's country: any ISO 3166-1 alpha-2 code.",
    )
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    news_opt_in = serializers.BooleanField(required=False)
    privacy_policy_version = serializers.CharField(read_only=True)


def _me_data(user):
    profile = Profile.objects.filter(user=user).first()
    data = {"email": user.email, "email_verified": services.has_verified_email(user), "full_name": user.full_name}
    if profile:
        data.update(
            organisation=profile.organisation,
            position=profile.position,
            sector=profile.sector,
            country=profile.country.code,
            preferred_language=profile.preferred_language,
            news_opt_in=profile.news_opt_in,
            privacy_policy_version=profile.privacy_policy_version,
        )
    return data


class MeView(PersonalAnswersMixin, GenericAPIView):
    """The signed-in person's account and profile. Nobody else's data is reachable here."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MeSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(summary="My account and profile")
    def get(self, request):
        return Response(MeSerializer(_me_data(request.user)).data)

    @extend_schema(summary="Update my profile", request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        if not Profile.objects.filter(user=request.user).exists():
            raise serializers.ValidationError({"profile": ["This account has no participant profile."]})
        serializer = MeSerializer(_me_data(request.user), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {**_me_data(request.user), **serializer.validated_data}
        services.update_profile(user=request.user, data=data)
        return Response(MeSerializer(_me_data(request.user)).data)
