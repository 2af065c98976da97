from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("events/feed.ics", views.feed_ics, name="feed_ics"),
    path("events/calendar/", views.calendar_current, name="calendar"),
    path("events/calendar/<int:year>/<int:month>/", views.calendar_month, name="calendar_month"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("events/<slug:slug>/event.ics", views.event_ics, name="event_ics"),
    path("events/<slug:slug>/register/", views.register, name="register"),
    path("events/<slug:slug>/resend-confirmation/", views.resend_confirmation, name="resend_confirmation"),
    path("events/<slug:slug>/switch-mode/", views.switch_mode, name="switch_mode"),
    path("events/<slug:slug>/pass.svg", views.door_pass, name="door_pass"),
    path("events/<slug:slug>/door/", views.door_check_in, name="door"),
    path("events/<slug:slug>/certificate.pdf", views.certificate_download, name="certificate_download"),
    path("certificates/", views.certificate_lookup, name="certificate_lookup"),
    path("certificates/<str:code>/", views.certificate_verify, name="certificate_verify"),
    # Personal links from the emails (signed tokens; see events.services).
    path("events/<slug:slug>/confirm/<str:token>/", views.registration_confirm, name="registration_confirm"),
    path(
        "events/<slug:slug>/confirm/<str:token>/status/",
        views.registration_confirm_status,
        name="registration_confirm_status",
    ),
    path("events/<slug:slug>/cancel/<str:token>/", views.registration_cancel, name="registration_cancel"),
    path("events/<slug:slug>/join/<str:token>/", views.registration_join, name="registration_join"),
    path("events/<slug:slug>/survey/<str:token>/", views.registration_survey, name="registration_survey"),
]
