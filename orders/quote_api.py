"""Partner API for quotes: issue, list, read, accept (with Idempotency-Key).

Callers are a partner (token) or a logged-in user (session), as for orders; each sees
only its own quotes (`selectors.quotes_visible_to`), and another caller's quote answers
404. Accepting answers the order it became (201), or a 409 problem naming why not.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status

from atelier.pagination import CheckedLimitOffsetPagination
from atelier.problems import problem_responses
from orders import idempotency, selectors, services
from orders.api import (
    OrderApiView,
    caller_of,
    idempotency_parameter,
    location_header,
    replayed_header,
)
from orders.models import Order, Quote
from orders.quote_serializers import (
    QuoteAcceptSerializer,
    QuoteCreateSerializer,
    QuoteProblemSerializer,
    QuoteSerializer,
)
from orders.serializers import ConflictProblemSerializer, OrderSerializer


class QuoteApiView(OrderApiView):
    serializer_class = QuoteSerializer

    def get_queryset(self):
        caller = caller_of(self.request)
        return selectors.quotes_visible_to(partner=caller.partner, user=caller.user)

    def rendered_quote(self, quote: Quote) -> dict:
        return QuoteSerializer(self.get_queryset().get(pk=quote.pk)).data

    def rendered(self, order: Order) -> dict:
        # The order as GET /api/v1/orders/{id}/ answers it (one prefetching read).
        caller = caller_of(self.request)
        visible = selectors.orders_visible_to(partner=caller.partner, user=caller.user)
        return OrderSerializer(visible.get(pk=order.pk)).data


class QuoteListCreateView(QuoteApiView, generics.ListAPIView):
    pagination_class = CheckedLimitOffsetPagination

    @extend_schema(
        operation_id="quotes_list",
        summary="Your quotes, newest first",
        responses={200: QuoteSerializer(many=True), **problem_responses(400, 401, 403, 406, 429)},
        tags=["quotes"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="quotes_create",
        summary="Ask for a quote",
        description=(
            "Lines as for an order: each is validated and priced against the published "
            "catalogue. The answer is a numbered quote whose prices are frozen, with a "
            "ship-date estimate and `valid_until`. Selections that break a rule answer "
            "409 with the `conflicts` and a proposed `resolution`; an incomplete or "
            "unknown configuration 422."
        ),
        parameters=[
            idempotency_parameter(required=False),
            location_header(of="quote"),
            replayed_header(statuses=[201]),
        ],
        request=QuoteCreateSerializer,
        responses={
            201: QuoteSerializer,
            **problem_responses(
                400,
                401,
                403,
                406,
                409,
                413,
                415,
                422,
                429,
                503,
                shapes={409: ConflictProblemSerializer},
            ),
        },
        examples=[
            OpenApiExample(
                "Two notebooks",
                value={
                    "lines": [{"product": "nb14", "selections": {"cpu": ["u7"]}, "quantity": 2}],
                    "reference": "RFQ-17",
                },
                request_only=True,
            )
        ],
        tags=["quotes"],
    )
    def post(self, request):
        caller = caller_of(request)
        serializer = QuoteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = idempotency.check_key(request.headers.get("Idempotency-Key"), required=False)
        data = serializer.validated_data

        def perform():
            quote = services.issue_quote(
                lines=[services.LineRequest(**line) for line in data["lines"]],
                reference=data["reference"],
                partner=caller.partner,
                user=caller.user,
                actor=caller.actor,
            )
            return status.HTTP_201_CREATED, self.rendered_quote(quote), None

        response = self.answer(
            caller=caller, key=key, scope="quotes.create", payload=request.data, perform=perform
        )
        response["Location"] = f"{request.path}{response.data['id']}/"
        return response


class QuoteDetailView(QuoteApiView, generics.RetrieveAPIView):
    @extend_schema(
        operation_id="quotes_retrieve",
        summary="One of your quotes",
        responses={200: QuoteSerializer, **problem_responses(401, 403, 404, 406, 429)},
        tags=["quotes"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class QuoteAcceptView(QuoteApiView):
    @extend_schema(
        operation_id="quotes_accept",
        summary="Accept a quote: it becomes an order at the quoted prices",
        description=(
            "Within `valid_until`, the quote becomes an order with the quote's prices and "
            "catalogue versions, even if the catalogue has changed since; the ship date is "
            "computed again now. The order is scheduled like any other. A quote becomes "
            "one order only: the same Idempotency-Key and body answer that order again; "
            "otherwise an accepted, expired or withdrawn quote answers 409 naming why "
            "(type `quote-already-accepted` with the `order`, `quote-expired`, "
            "`quote-withdrawn`)."
        ),
        parameters=[
            idempotency_parameter(required=True),
            location_header(of="order"),
            replayed_header(statuses=[201]),
        ],
        request=QuoteAcceptSerializer,
        responses={
            201: OrderSerializer,
            **problem_responses(
                400,
                401,
                403,
                404,
                406,
                409,
                413,
                415,
                422,
                429,
                shapes={409: QuoteProblemSerializer},
            ),
        },
        tags=["quotes"],
    )
    def post(self, request, *args, **kwargs):
        caller = caller_of(request)
        serializer = QuoteAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote = self.get_object()
        key = idempotency.check_key(
            request.headers.get("Idempotency-Key"), required=caller.partner is not None
        )
        data = serializer.validated_data

        def perform():
            order = services.accept_quote(
                quote=quote,
                actor=caller.actor,
                customer=services.Customer(**data["customer"]) if "customer" in data else None,
            )
            return status.HTTP_201_CREATED, self.rendered(order), order

        response = self.answer(
            caller=caller,
            key=key,
            scope="quotes.accept",
            payload={"quote": str(quote.public_id), "body": request.data},
            perform=perform,
        )
        response["Location"] = f"/api/v1/orders/{response.data['id']}/"
        return response
