from django.urls import path

from observatory import views

app_name = "observatory"

urlpatterns = [
    path("observatories/", views.observatory_list, name="observatory_list"),
    path("observatories/<slug:slug>/", views.observatory_detail, name="observatory_detail"),
    path("observatories/<slug:slug>/data/", views.data_landing, name="data_landing"),
    path("observatories/<slug:slug>/data/<slug:indicator>/", views.indicator_detail, name="indicator_detail"),
    path(
        "observatories/<slug:slug>/data/<slug:indicator>/download.<str:kind>",
        views.indicator_download,
        name="indicator_download",
    ),
    path("publications/", views.publication_list, name="publication_list"),
    path("publications/<slug:slug>/", views.publication_detail, name="publication_detail"),
    path("publications/<slug:slug>/files/<int:file_id>/", views.publication_file, name="publication_file"),
    path("publications/<slug:slug>/comments/", views.post_comment, name="post_comment"),
    path("publications/<slug:slug>/comments/<int:comment_id>/report/", views.report_comment, name="report_comment"),
]
