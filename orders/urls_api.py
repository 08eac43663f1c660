from django.urls import path

from orders import api

urlpatterns = [
    path("orders/", api.OrderListCreateView.as_view(), name="api-orders"),
    path("orders/<uuid:id>/", api.OrderDetailView.as_view(), name="api-order"),
    path("orders/<uuid:id>/cancel", api.OrderCancelView.as_view(), name="api-order-cancel"),
]
