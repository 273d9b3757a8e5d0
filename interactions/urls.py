from django.urls import path

from . import views

app_name = "interactions"

urlpatterns = [
    path("", views.interaction_list, name="list"),
    path("new/", views.interaction_create, name="create"),
    path("import/", views.interaction_import, name="import"),
    path("bring-in/", views.helpdesk_import, name="bring_in"),
    path("helpdesks/", views.helpdesk_connections, name="helpdesks"),
    path("helpdesks/<int:pk>/test/", views.helpdesk_connection_test, name="helpdesk_test"),
    path("helpdesks/<int:pk>/delete/", views.helpdesk_connection_delete, name="helpdesk_delete"),
    path("export.<str:fmt>", views.interaction_export, name="export"),
    path("<int:pk>/", views.interaction_detail, name="detail"),
    path("<int:pk>/edit/", views.interaction_edit, name="edit"),
]
