from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switch sits on cached public pages, which must not carry a per-visitor CSRF
    # token; the worst a forged switch can do is change someone's interface language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("subscribe/", include("subscriptions.urls")),
    path("", include("papers.site.urls")),
]
