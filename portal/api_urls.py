"""/api/v1/: the router of every app's endpoints, the OpenAPI schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from portal import api, api_docs, registry

router = DefaultRouter()
router.register("news", api.NewsViewSet, basename="news")
router.register("countries", api.CountryViewSet, basename="country")
router.register("bodies", api.BodyViewSet, basename="body")
router.register("topics", api.TopicViewSet, basename="topic")
for prefix, (viewset, basename) in sorted(registry.api_endpoints().items()):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("v1/", include(registry.api_paths())),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The reference as an accessible page of the site (portal.api_docs); Swagger UI to try requests
    # (the split view serves its start-up script as a file, so the CSP needs no inline script).
    path("docs/", api_docs.api_docs, name="api_docs"),
    path("docs/explorer/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_explorer"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
]
