from django.urls import path

from orders import quote_views, views

app_name = "orders"
urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("cart/remove/", views.cart_remove, name="cart_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/<uuid:public_id>/", views.order_status, name="status"),
    path("orders/<uuid:public_id>/thanks/", views.order_confirmation, name="confirmation"),
    path("quotes/", quote_views.quote_list, name="quotes"),
    path("quotes/request/", quote_views.quote_from_cart, name="quote_from_cart"),
    path("quotes/<uuid:public_id>/", quote_views.quote_page, name="quote"),
    path("quotes/<uuid:public_id>/accept/", quote_views.quote_accept, name="quote_accept"),
]
