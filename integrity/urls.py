from django.urls import path

from integrity import views

app_name = "integrity"

urlpatterns = [
    path("integrity/initiatives/", views.initiative_list, name="initiative_list"),
    path("integrity/initiatives/<slug:slug>/", views.initiative_detail, name="initiative_detail"),
    path("integrity/initiatives/<slug:slug>/pledge/", views.sign_pledge, name="sign_pledge"),
    path(
        "integrity/initiatives/<slug:slug>/pledge/<int:signature_id>/withdraw/",
        views.withdraw_pledge,
        name="withdraw_pledge",
    ),
    path("integrity/dashboard/", views.dashboard, name="dashboard"),
    path("integrity/staff/dashboard/", views.staff_dashboard, name="staff_dashboard"),
    path("integrity/staff/dashboard.xlsx", views.staff_dashboard_export, name="staff_dashboard_export"),
    path(
        "integrity/organisations/<slug:slug>/start/<slug:questionnaire_slug>/",
        views.start_assessment,
        name="start_assessment",
    ),
    path("integrity/assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path(
        "integrity/assessments/<int:pk>/sections/<str:code>/", views.assessment_section_form, name="assessment_section"
    ),
    path("integrity/assessments/<int:pk>/submit/", views.submit_assessment, name="submit_assessment"),
    path("integrity/assessments/<int:pk>/results/", views.assessment_results, name="assessment_results"),
    path("integrity/assessments/<int:pk>/report.pdf", views.assessment_report, name="assessment_report"),
]
