"""Page views: thin, they read through selectors and render templates."""

from django.shortcuts import render


def home(request):
    return render(request, "web/home.html")
