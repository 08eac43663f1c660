"""Partner API for orders: place (with Idempotency-Key), list, read, cancel.

Callers are a partner (token) or a logged-in user (session); each sees only its own
orders, because every queryset starts at `selectors.orders_visible_to`. Orders are
addressed by their public UUID; another caller's id answers 404, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from atelier.pagination import CheckedLimitOffsetPagination
from atelier.problems import problem_responses
from atelier.throttling import API_THROTTLES
from orders import idempotency, selectors, services
from orders.authentication import PartnerPrincipal
from orders.models import Order, Partner
from orders.serializers import (
    CancelRequestSerializer,
    ConflictProblemSerializer,
    OrderCreateSerializer,
    OrderSerializer,
)

MAX_UTC_OFFSET = dt.timedelta(hours=14)


@dataclass(frozen=True)
class Caller:
    partner: Partner | None
    user: object | None
    actor: str


def caller_of(request) -> Caller:
    if isinstance(request.user, PartnerPrincipal):
        partner = request.user.partner
        return Caller(partner=partner, user=None, actor=f"partner:{partner.name}")
    return Caller(partner=None, user=request.user, actor=f"user:{request.user.get_username()}")


def idempotency_parameter(*, required: bool) -> OpenApiParameter:
    return OpenApiParameter(
        "Idempotency-Key",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=required,
        description=(
            "A unique key per logical request, e.g. a UUID (at most 200 characters). "
            "Repeating it with the same body within 24 h returns the first answer; with "
            "another body it is refused (422)."
            + (" Required for partner tokens." if required else "")
        ),
    )


def replayed_header(*, statuses: list[int]) -> OpenApiParameter:
    return OpenApiParameter(
        "Idempotent-Replayed",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        enum=["true"],
        response=statuses,
        description="Present when this is the stored answer to an earlier request with the "
        "same Idempotency-Key and body (nothing was done again)",
    )


def location_header(*, of: str) -> OpenApiParameter:
    return OpenApiParameter(
        "Location",
        OpenApiTypes.URI_REF,
        OpenApiParameter.HEADER,
        required=True,
        response=[201],
        description=f"The new {of}'s URL (relative), to read it again",
    )


class RealisticDateTimeField(IsoDateTimeField):
    """ISO 8601 with an offset real clocks use (±14:00) and a UTC time that exists:
    anything else is a validation error, not a database error."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        try:
            if offset is not None and abs(offset) > MAX_UTC_OFFSET:
                raise OverflowError
            parsed.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return parsed


class RealisticDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = RealisticDateTimeField


class OrderFilterForm(forms.Form):
    def clean(self):
        # An empty status or time is a mistake in the query, not "no filter".
        for name in ("status", "created_after", "created_before"):
            if name in self.data and self.data[name] == "":
                self.add_error(name, "must not be empty")
        return super().clean()


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    created_after = RealisticDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Created at or after (ISO 8601)"
    )
    created_before = RealisticDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="Created before (ISO 8601)"
    )
    # As long as a reference can be (Order.reference): a longer one is a 400, not a query.
    reference = django_filters.CharFilter(
        label="Your reference, exactly", max_length=Order._meta.get_field("reference").max_length
    )

    class Meta:
        model = Order
        fields = ["status", "created_after", "created_before", "reference"]
        form = OrderFilterForm


class OrderApiView(generics.GenericAPIView):
    # Widened for orders.quote_api, whose views share the caller and idempotency handling.
    serializer_class: type[BaseSerializer] = OrderSerializer
    permission_classes = [IsAuthenticated]
    throttle_classes = API_THROTTLES
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self):
        caller = caller_of(self.request)
        return selectors.orders_visible_to(partner=caller.partner, user=caller.user)

    def rendered(self, order: Order) -> dict:
        # Re-read through the caller's queryset: one prefetching read, as GET answers.
        return OrderSerializer(self.get_queryset().get(pk=order.pk)).data

    def answer(self, *, caller: Caller, key: str | None, scope: str, payload, perform) -> Response:
        if key is None:
            code, body, _ = perform()
            replayed = False
        else:
            outcome = idempotency.run_once(
                key=key,
                scope=scope,
                request_hash=idempotency.fingerprint(payload),
                perform=perform,
                partner=caller.partner,
                user=caller.user,
            )
            code, body, replayed = outcome.status, outcome.body, outcome.replayed
        response = Response(body, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class OrderListCreateView(OrderApiView, generics.ListAPIView):
    filterset_class = OrderFilter
    pagination_class = CheckedLimitOffsetPagination

    @extend_schema(
        operation_id="orders_list",
        summary="Your orders, newest first",
        responses={
            200: OrderSerializer(many=True),
            **problem_responses(400, 401, 403, 406, 429),
        },
        tags=["orders"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="orders_create",
        summary="Place an order",
        description=(
            "Every line is re-validated and re-priced against the published catalogue. "
            "The order starts `received` and turns `scheduled` with a "
            "`promised_ship_date` once production has planned it. Selections that break "
            "a rule answer 409 with the `conflicts` and a proposed `resolution`."
        ),
        parameters=[
            idempotency_parameter(required=True),
            location_header(of="order"),
            replayed_header(statuses=[201]),
        ],
        request=OrderCreateSerializer,
        responses={
            201: OrderSerializer,
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
                "One notebook",
                value={
                    "lines": [{"product": "nb14", "selections": {"cpu": ["u7"]}, "quantity": 1}],
                    "reference": "PO-1001",
                },
                request_only=True,
            )
        ],
        tags=["orders"],
    )
    def post(self, request):
        caller = caller_of(request)
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = idempotency.check_key(
            request.headers.get("Idempotency-Key"), required=caller.partner is not None
        )
        data = serializer.validated_data

        def perform():
            order = services.place_order(
                lines=[services.LineRequest(**line) for line in data["lines"]],
                reference=data["reference"],
                priority=data["priority"],
                customer=services.Customer(**data["customer"]) if "customer" in data else None,
                partner=caller.partner,
                user=caller.user,
                actor=caller.actor,
            )
            return status.HTTP_201_CREATED, self.rendered(order), order

        response = self.answer(
            caller=caller, key=key, scope="orders.create", payload=request.data, perform=perform
        )
        response["Location"] = f"{request.path}{response.data['id']}/"
        return response


class OrderDetailView(OrderApiView, generics.RetrieveAPIView):
    @extend_schema(
        operation_id="orders_retrieve",
        summary="One of your orders",
        responses={200: OrderSerializer, **problem_responses(401, 403, 404, 406, 429)},
        tags=["orders"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderCancelView(OrderApiView):
    @extend_schema(
        operation_id="orders_cancel",
        summary="Cancel an order that production has not started",
        description=(
            "Cancelling a cancelled order answers it again. An order in production (or "
            "later) cannot be cancelled: 409."
        ),
        parameters=[idempotency_parameter(required=False), replayed_header(statuses=[200])],
        request=None,
        responses={
            200: OrderSerializer,
            **problem_responses(400, 401, 403, 404, 406, 409, 422, 429),
        },
        tags=["orders"],
    )
    def post(self, request, *args, **kwargs):
        caller = caller_of(request)
        CancelRequestSerializer(data=request.data).is_valid(raise_exception=True)
        order = self.get_object()
        key = idempotency.check_key(request.headers.get("Idempotency-Key"), required=False)

        def perform():
            cancelled = services.cancel_order(order=order, actor=caller.actor)
            return status.HTTP_200_OK, self.rendered(cancelled), cancelled

        return self.answer(
            caller=caller,
            key=key,
            scope="orders.cancel",
            payload={"order": str(order.public_id)},
            perform=perform,
        )
