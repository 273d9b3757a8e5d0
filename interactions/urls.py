from django.urls import path

from . import views

app_name = "interactions"

urlpatterns = [
    path("", views.interaction_list, name="list"),
    path("new/", views.interaction_create, name="create"),
    path("import/", views.interaction_import, name="import"),
    path("export.<str:fmt>", views.interaction_export, name="export"),
    path("<int:pk>/", views.interaction_detail, name="detail"),
    path("<int:pk>/edit/", views.interaction_edit, name="edit"),
]
