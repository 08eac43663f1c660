import os

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from atelier.problems import not_found_json
from configurator import api as configurator_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("products/", configurator_api.ProductListView.as_view(), name="api-products"),
    path("products/<str:code>/", configurator_api.ProductDetailView.as_view(), name="api-product"),
    path(
        "products/<str:code>/configure",
        configurator_api.ConfigureView.as_view(),
        name="api-product-configure",
    ),
    path("", include("orders.urls_api")),
]

if os.environ.get("ATELIER_BENCH_ENDPOINTS") == "1":
    # benchmarks/api.py only: the bare DRF baseline the API's figures are ratios against.
    from atelier.bench_views import bench_row

    urlpatterns.append(path("_bench/row", bench_row, name="api-bench-row"))

# Anything else under /api/v1/ is a problem+json 404, not the shop's HTML page.
urlpatterns.append(re_path(r"^[\s\S]*$", not_found_json))  # newlines too
