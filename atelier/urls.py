from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("atelier.api_urls")),
    path("plan/", include("production.urls")),
    path("", include("orders.urls")),
    path("", include("configurator.urls")),
]
