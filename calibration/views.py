from django.contrib.auth import views as auth_views


class LogoutClearingStorageView(auth_views.LogoutView):
    """Logging out also clears this site's browser storage: unsent drafts kept in
    localStorage must not stay behind for the next person on a shared computer."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response
