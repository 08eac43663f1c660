"""The baseline endpoint of benchmarks/api.py: bare DRF reading one row. Routed only when
ATELIER_BENCH_ENDPOINTS=1 (see atelier/api_urls.py); never in a normal deployment."""

from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from configurator.models import CatalogueVersion


@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes([])
def bench_row(request):
    row = CatalogueVersion.objects.values("number", "currency").order_by("pk").first()
    return Response(row or {})
