from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.views.generic import TemplateView

from .forms import PhoneLoginForm
from .signals import account_sections


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def account_page_sections(request):
    """What other apps add to the account page (``account_sections``), each rendered with its
    own template: [{"title": …, "html": …}, …]."""
    user = request.user
    return [
        {
            "title": response["title"],
            "html": render_to_string(
                response["template"], {"user": user, **response.get("context", {})}, request
            ),
        }
        for _receiver, response in account_sections.send(
            sender=type(user), user=user, request=request
        )
        if response
    ]


class AccountView(LoginRequiredMixin, TemplateView):
    """The person's own page: who they are, their roles, what other apps add (their orders)
    and the messages sent to them."""

    template_name = "accounts/account.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notifications"] = self.request.user.notifications.all()[:20]
        context["sections"] = account_page_sections(self.request)
        return context


def locked_out(request, *args, **kwargs):
    """What django-axes shows once a number or a network has failed to log in too often."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
