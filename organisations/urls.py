from django.urls import path

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("organisations/", views.my_organisations, name="my_organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/join/", views.organisation_join, name="organisation_join"),
    path("organisations/invitations/<str:token>/", views.invitation, name="invitation"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<slug:slug>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<slug:slug>/join/", views.request_to_join, name="request_to_join"),
    path("organisations/<slug:slug>/invite/", views.invite, name="invite"),
    path("organisations/<slug:slug>/leave/", views.leave, name="leave"),
    path(
        "organisations/<slug:slug>/members/<int:membership_id>/<str:action>/",
        views.membership_action,
        name="membership_action",
    ),
]
