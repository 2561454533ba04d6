from django.urls import path

from subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("sent/", views.sent, name="sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("manage/", views.manage_request, name="manage-request"),
    path("manage/<str:token>/", views.manage, name="manage"),
]
