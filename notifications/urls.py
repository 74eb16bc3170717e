"""Notifications API routes under /api/notifications/."""

from django.urls import path

from notifications import api

urlpatterns = [
    path("", api.NotificationListApi.as_view(), name="notification-list"),
    path("read/", api.NotificationReadApi.as_view(), name="notification-read"),
    path(
        "preferences/",
        api.NotificationPreferencesApi.as_view(),
        name="notification-preferences",
    ),
]
