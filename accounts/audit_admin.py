"""The admin side of append-only records (``accounts.audit``): moderators may look at them,
nobody (superusers included) may add, edit or delete them there; and deleting a row whose
history is kept says so instead of failing."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.views.snippets import DeleteView

from .audit import audit_models


class ViewOnlyPolicy(ModelPermissionPolicy):
    """Only "view", even for superusers: the services write these rows."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


def register_view_only_policies():
    """Make every append-only model view-only in the Wagtail admin (run in ``ready()``, before
    any admin view asks for a policy)."""
    from wagtail.permissions import register_permission_policy

    for model in audit_models():
        register_permission_policy(model, ViewOnlyPolicy(model))


class KeptHistoryDeleteView(DeleteView):
    """A snippet delete view for records that history refers to: when the database keeps the
    row (a protected reference), the moderator is told why and nothing is deleted."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            messages.error(
                self.request,
                _("“%(object)s” cannot be deleted: its history is kept.") % {"object": self.object},
            )
            return redirect(self.get_success_url())
