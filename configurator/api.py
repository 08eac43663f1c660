"""Partner API for products and the configurator: open to anonymous callers, throttled.

Products come from the published version's frozen document (one query); `configure`
answers from the compiled product the process keeps in memory.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from atelier import errors
from atelier.problems import problem_responses
from atelier.throttling import API_THROTTLES
from configurator import selectors
from configurator.models import CatalogueVersion
from configurator.serializers import (
    ConfigurationSerializer,
    ConfigureRequestSerializer,
    ProductSerializer,
    ProductSummarySerializer,
    configuration_json,
)
from configurator.shop.answers import configured_with_estimate
from configurator.shop.pictures import picture_links


def _published() -> CatalogueVersion:
    try:
        return selectors.published_version(max_age=selectors.catalogue_max_age())
    except selectors.NoPublishedCatalogue as exc:
        raise errors.CatalogueUnavailable(str(exc)) from exc


def _with_version(document: dict, version: CatalogueVersion) -> dict:
    return {**document, "currency": version.currency, "catalogue_version": version.number}


def _shown(document: dict, version: CatalogueVersion, request) -> dict:
    """A product's document as the API shows it: with its version and currency, and each
    stored picture's absolute URLs."""
    pictured = picture_links(version=version, doc=document, absolute=request.build_absolute_uri)
    return _with_version(pictured, version)


class PublicApiView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = API_THROTTLES


class ProductListView(PublicApiView):
    @extend_schema(
        operation_id="products_list",
        summary="Products of the published catalogue",
        responses={
            200: ProductSummarySerializer(many=True),
            **problem_responses(401, 406, 429, 503),
        },
        tags=["products"],
    )
    def get(self, request):
        version = _published()
        products = [_shown(p, version, request) for p in version.document.get("products", [])]
        return Response(ProductSummarySerializer(products, many=True).data)


class ProductDetailView(PublicApiView):
    @extend_schema(
        operation_id="products_retrieve",
        summary="One product: groups, options, rules and price rules",
        responses={200: ProductSerializer, **problem_responses(401, 404, 406, 429, 503)},
        tags=["products"],
    )
    def get(self, request, code: str):
        version = _published()
        document = selectors.shown_product_document(version, code)
        if document is None:
            raise errors.ProductNotFound(f"There is no product '{code}' in the catalogue.")
        return Response(ProductSerializer(_shown(document, version, request)).data)


class ConfigureView(PublicApiView):
    @extend_schema(
        operation_id="products_configure",
        summary="Evaluate selections: option states, price, conflicts, ship date",
        description=(
            "Every option comes back `selected`, `available` or `excluded` (with the rules "
            "and picks that exclude it). Conflicting selections are answered with "
            "`valid: false`, the `conflicts` and a proposed `resolution`. Unknown group or "
            "option codes are a 422 problem with per-field `errors`. `quantity` (a JSON "
            "integer 1–999, default 1) is the number of units: `estimated_ship_date` is the "
            "date an order of that many placed now would be promised, and `price.line_total` "
            "is `price.total` × `quantity`."
        ),
        request=ConfigureRequestSerializer,
        responses={
            200: ConfigurationSerializer,
            **problem_responses(400, 401, 404, 406, 413, 415, 422, 429, 503),
        },
        examples=[
            OpenApiExample(
                "Two picks",
                value={"selections": {"cpu": ["u7"], "memory": ["32gb"]}, "quantity": 2},
                request_only=True,
            )
        ],
        tags=["products"],
    )
    def post(self, request, code: str):
        serializer = ConfigureRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answer = configured_with_estimate(
            code=code, selections=data["selections"], order=data["order"], quantity=data["quantity"]
        )
        return Response(configuration_json(answer))
