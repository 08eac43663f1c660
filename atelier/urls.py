from django.contrib import admin
from django.urls import include, path

from atelier.media_serving import media_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("atelier.api_urls")),
    path("plan/", include("production.urls")),
    path("account/", include("accounts.urls")),
    path("", include("orders.urls")),
    path("", include("configurator.urls")),
    *media_urls(),
]

# Under /api/ an error Django answers itself is a problem+json, not an HTML page.
handler400 = "atelier.problems.bad_request"
handler403 = "atelier.problems.permission_denied"
handler500 = "atelier.problems.server_error"
