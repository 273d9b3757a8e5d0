from django.urls import path

from . import views

app_name = "sessions"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="create"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("join/", views.session_join_code, name="join_code"),
    path("join/<str:code>/", views.session_join, name="join"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:template_id>/next/", views.template_next_session, name="template_next"),
    path("<int:session_id>/", views.session_room, name="room"),
    path("<int:session_id>/present/", views.session_present, name="present"),
    path("<int:session_id>/summary/", views.session_summary, name="summary"),
    path("<int:session_id>/ratings.csv", views.session_ratings_csv, name="ratings_csv"),
]
