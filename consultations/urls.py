from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    path("consultations/", views.consultation_list, name="consultation_list"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="consultation_detail"),
    path("consultations/<slug:slug>/comments/", views.post_comment, name="post_comment"),
    path("consultations/<slug:slug>/comments/<int:comment_id>/report/", views.report_comment, name="report_comment"),
]
