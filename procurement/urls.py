from django.urls import path

from procurement import views

app_name = "procurement"

urlpatterns = [
    path("observatories/<slug:slug>/procurement/", views.about, name="about"),
    path("observatories/<slug:slug>/procurement/<str:code>/", views.country_detail, name="country_detail"),
]
