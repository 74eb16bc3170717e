"""Auth API routes under /api/auth/."""

from django.urls import path

from accounts.api import MeApi, TokenObtainApi, UserRegisterApi

urlpatterns = [
    path("register/", UserRegisterApi.as_view(), name="register"),
    path("token/", TokenObtainApi.as_view(), name="token"),
    path("me/", MeApi.as_view(), name="me"),
]
