from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.sign_up, name="signup"),
    path("signup/sent/", views.sign_up_done, name="signup_done"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("login/", views.log_in, name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("orders/<uuid:public_id>/", views.order_detail, name="order"),
    path(
        "orders/<uuid:public_id>/lines/<int:position>/reorder/",
        views.reorder,
        name="reorder",
    ),
    path("configurations/<int:pk>/", views.saved_detail, name="saved"),
]
