"""App configuration for contributions."""

from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "contributions"
