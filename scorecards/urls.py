from django.urls import path

from . import views

app_name = "scorecards"

urlpatterns = [
    path("", views.scorecard_list, name="list"),
]
