from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from portal import views
from portal.feeds import LatestNewsFeed

portal_patterns = [
    path("", views.home, name="home"),
    path("news/", views.news_list, name="news_list"),
    path("news/feed/", LatestNewsFeed(), name="news_feed"),
    path("news/<slug:slug>/", views.news_detail, name="news_detail"),
    path("search/", views.site_search, name="search"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    # accounts first: it takes over /admin/login/ so that staff log in through allauth too.
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("portal.api_urls")),
    path("", include("observatory.urls")),
    path("", include("events.urls")),
    path("sitemap.xml", views.sitemap_xml, name="django.contrib.sitemaps.views.sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon),
]

if settings.DEBUG:
    # Uploaded media in the demo only; production serves MEDIA_ROOT from the web server or object storage.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    )

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
