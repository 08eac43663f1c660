from django.urls import path

from orders import api, quote_api

urlpatterns = [
    path("orders/", api.OrderListCreateView.as_view(), name="api-orders"),
    path("orders/<uuid:id>/", api.OrderDetailView.as_view(), name="api-order"),
    path("orders/<uuid:id>/cancel", api.OrderCancelView.as_view(), name="api-order-cancel"),
    path("quotes/", quote_api.QuoteListCreateView.as_view(), name="api-quotes"),
    path("quotes/<uuid:id>/", quote_api.QuoteDetailView.as_view(), name="api-quote"),
    path("quotes/<uuid:id>/accept", quote_api.QuoteAcceptView.as_view(), name="api-quote-accept"),
]
