from django.urls import path

from configurator import views

app_name = "shop"
urlpatterns = [
    path("", views.product_list, name="products"),
    path("p/<slug:code>/", views.configure, name="configure"),
    path("p/<slug:code>/update/", views.configure_update, name="update"),
    path("p/<slug:code>/specs/", views.spec_sheet, name="spec_sheet"),
    path(
        "p/<slug:code>/pictures/<slug:group>/<slug:option>/",
        views.option_picture,
        name="option_picture",
    ),
    path("c/<str:token>/", views.saved_configuration, name="saved"),
    path("compare/", views.compare, name="compare"),
]
