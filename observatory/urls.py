app_name = "observatory"

urlpatterns = []
