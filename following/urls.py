from django.urls import path

from following import views

app_name = "following"

urlpatterns = [
    path("account/following/", views.manage, name="manage"),
    path("account/following/follow/", views.follow, name="follow"),
    path("digest/", views.subscribe, name="subscribe"),
    path("digest/confirm/<str:token>/", views.confirm, name="confirm"),
    path("digest/leave/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("digest/view/<str:token>/", views.digest_web, name="digest_web"),
]
