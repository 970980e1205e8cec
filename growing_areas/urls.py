app_name = "growing_areas"

urlpatterns: list = []
