from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from accounts.views import staff_login
from portal import mailbox, views
from portal.feeds import LatestNewsFeed
from portal.health import ReadinessView

portal_patterns = [
    path("", views.home, name="home"),
    path("news/", views.news_list, name="news_list"),
    path("news/feed/", LatestNewsFeed(), name="news_feed"),
    path("news/<slug:slug>/", views.news_detail, name="news_detail"),
    path("search/", views.site_search, name="search"),
]

if settings.DEBUG:
    # The demo's mailbox (portal.mailbox): it shows everyone's emails, so it is never routed without DEBUG.
    portal_patterns += [
        path("demo/mailbox/", mailbox.mailbox_list, name="mailbox"),
        path("demo/mailbox/<int:pk>/", mailbox.mailbox_message, name="mailbox_message"),
        path("demo/mailbox/<int:pk>/html/", mailbox.mailbox_html, name="mailbox_html"),
        path("demo/mailbox/<int:pk>/attachments/<int:index>/", mailbox.mailbox_attachment, name="mailbox_attachment"),
    ]

# Pages people read exist in English (no prefix, so addresses published so far keep working)
# and in Spanish under /es/.
urlpatterns = i18n_patterns(
    path("", include((portal_patterns, "portal"))),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("observatory.urls")),
    path("", include("procurement.urls")),
    path("", include("events.urls")),
    path("", include("organisations.urls")),
    path("", include("integrity.urls")),
    path("", include("consultations.urls")),
    path("", include("following.urls")),
    prefix_default_language=False,
)

urlpatterns += [
    # Before the admin: staff sign in through allauth too (verification, rate limits, two factors).
    path("admin/login/", staff_login, name="staff_login"),
    path("admin/", admin.site.urls),
    path("api/", include("portal.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sitemap.xml", views.sitemap_xml, name="django.contrib.sitemaps.views.sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", ReadinessView.as_view(), name="readyz"),
]

if settings.DEBUG:
    # Uploaded media in the demo only; production serves MEDIA_ROOT from the web server or object storage.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    )

# Pages for people, the API's JSON error shape under /api/; 503 while the database is away.
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
