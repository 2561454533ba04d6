from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Until the public site lands (issue 4) the root leads to the admin desk.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
