from django.urls import path

from production import views

app_name = "production"
urlpatterns = [
    path("", views.plan, name="plan"),
    path("batch/", views.batch_plan, name="batch"),
    path("replan/", views.start_replan, name="start_replan"),
    path("replan/<int:pk>/", views.replan_status, name="replan_status"),
]
