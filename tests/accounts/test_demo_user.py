"""The quick start's demo account: printed, idempotent, and really able to log in."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_demo_user_is_created_once_and_its_printed_password_works():
    first, second = StringIO(), StringIO()
    call_command("demo_user", stdout=first)
    call_command("demo_user", stdout=second)

    assert "Created: demo account  username=demo  password=remix-the-world" in first.getvalue()
    assert "Ready: demo account" in second.getvalue()
    assert User.objects.filter(username="demo").count() == 1
    assert authenticate(username="demo", password="remix-the-world") is not None
