from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.my_account, name="my_account"),
    path("account/profile/", views.edit_profile, name="edit_profile"),
    path("account/my-data.json", views.download_my_data, name="download_my_data"),
    path("account/delete/", views.delete_account, name="delete_account"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path("privacy/", views.privacy_policy, name="privacy_policy"),
]
