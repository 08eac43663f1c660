from django.urls import path

from configurator import views

app_name = "shop"
urlpatterns = [
    path("", views.product_list, name="products"),
]
