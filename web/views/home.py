"""Pages of the home page, signing up and in, an artist's page and the hitrec licence."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled

from accounts.models import User
from accounts.selectors import skills_of
from accounts.services import user_register
from community.selectors import home_feed
from contributions.selectors import contribution_list
from hitrec.pages import form_errors_apply
from hitrec.throttles import (
    LOGIN_BLOCKED_MESSAGE,
    AuthRateThrottle,
    CountersUnavailable,
    client_address,
    login_failure_record,
    login_failures_clear,
    login_wait,
    too_many,
)
from projects.asks_for_you import asks_for_you
from projects.selectors import (
    project_list,
)
from web import forms

# How many asks for a person's skills the home page lists (the newest).
ASKS_FOR_YOU = 10


def home(request):
    newest = contribution_list()[:12]
    projects = project_list(user=request.user, status="open")[:6]
    skills = skills_of(user=request.user) if request.user.is_authenticated else []
    return render(
        request,
        "web/home.html",
        {
            "newest": newest,
            "projects": projects,
            "following": home_feed(user=request.user),
            "skills": skills,
            "asks_for_you": asks_for_you(user=request.user, limit=ASKS_FOR_YOU) if skills else [],
        },
    )


def signup(request):
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(**form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to hitrec, %(name)s.") % {"name": user.username})
            return redirect("web:artist", username=user.username)
    return render(request, "web/signup.html", {"form": form})


class LoginPage(auth_views.LoginView):
    """The sign-in page, slowed down like the token API: per address, and per account and
    address after repeated failures (hitrec/throttles.py), answered with a 429 page."""

    template_name = "web/login.html"

    def post(self, request, *args, **kwargs):
        try:
            AuthRateThrottle().allow_request(request, self)
            wait = login_wait(
                username=request.POST.get("username", ""), address=client_address(request)
            )
            if wait is not None:
                raise too_many(LOGIN_BLOCKED_MESSAGE, wait)
        except (Throttled, CountersUnavailable) as exc:
            return self._refused(exc)
        return super().post(request, *args, **kwargs)

    def _refused(self, exc: Throttled | CountersUnavailable):
        messages.error(self.request, str(exc.detail))
        form = self.get_form_class()(
            self.request, initial={"username": self.request.POST.get("username", "")}
        )
        response = self.render_to_response(self.get_context_data(form=form), status=exc.status_code)
        response["Retry-After"] = str(exc.wait)
        return response

    def form_invalid(self, form):
        login_failure_record(
            username=self.request.POST.get("username", ""), address=client_address(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        login_failures_clear(
            username=self.request.POST.get("username", ""), address=client_address(self.request)
        )
        return super().form_valid(form)


def artist(request, username: str):
    person = get_object_or_404(User, username__iexact=username)
    works = Paginator(contribution_list(author=str(person.id)), 24).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/artist.html",
        {"person": person, "works": works, "skills": skills_of(user=person)},
    )


def hitrec_license(request):
    return render(request, "web/license.html")
