from django.urls import path

from . import views

app_name = "scorecards"

urlpatterns = [
    path("", views.scorecard_list, name="list"),
    path("new/", views.scorecard_create, name="create"),
    path("import/", views.scorecard_import, name="import"),
    path("export/", views.scorecard_export, name="export"),
    path("<int:pk>/", views.scorecard_detail, name="detail"),
    path("<int:pk>/edit/", views.scorecard_edit, name="edit"),
    path("<int:pk>/versions/<int:number>/", views.scorecard_version, name="version"),
    path("<int:pk>/criteria/new/", views.criterion_add, name="criterion_add"),
    path("<int:pk>/criteria/reorder/", views.criteria_reorder, name="criteria_reorder"),
    path("<int:pk>/criteria/<uuid:key>/edit/", views.criterion_edit, name="criterion_edit"),
    path("<int:pk>/criteria/<uuid:key>/move/", views.criterion_move, name="criterion_move"),
    path("<int:pk>/criteria/<uuid:key>/retire/", views.criterion_retire, name="criterion_retire"),
    path(
        "<int:pk>/criteria/<uuid:key>/restore/", views.criterion_restore, name="criterion_restore"
    ),
    path("<int:pk>/criteria/<uuid:key>/fold-notes/", views.notes_fold, name="notes_fold"),
    path("<int:pk>/notes/<int:note_id>/supersede/", views.note_supersede, name="note_supersede"),
    path("<int:pk>/notes/<int:note_id>/restore/", views.note_restore, name="note_restore"),
]
