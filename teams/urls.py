from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.team_detail, name="detail"),
    path("switch/", views.team_switch, name="switch"),
    path("members/add/", views.member_add, name="member_add"),
    path("members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
]
