from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .managers import UserManager
from .phone import display_phone, normalize_phone
from .roles import Role


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with a Vietnamese mobile number (stored as +84…)."""

    phone = models.CharField(
        _("phone number"),
        max_length=16,
        unique=True,
        help_text=_("Vietnamese mobile number, stored as +84…"),
        error_messages={"unique": _("An account with this phone number already exists.")},
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the user can log into the Django admin."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "phone"]

    def __str__(self):
        return f"{self.full_name} ({self.phone_display})" if self.full_name else self.phone_display

    def clean(self):
        super().clean()
        self.phone = normalize_phone(self.phone)
        self.email = type(self).objects.normalize_email(self.email)

    @property
    def phone_display(self):
        return display_phone(self.phone)

    # Wagtail's admin shows these names.
    def get_full_name(self):
        return self.full_name or self.phone_display

    def get_short_name(self):
        return self.full_name.split(" ")[-1] if self.full_name else self.phone_display

    @property
    def first_name(self):
        return self.get_short_name()

    @property
    def last_name(self):
        return ""

    def has_role(self, role):
        """True if the user belongs to the role's group (cached for the request)."""
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return Role(role).value in self._role_names

    @property
    def roles(self):
        return [role for role in Role if self.has_role(role)]


class Notification(models.Model):
    """A message sent to a person. Kept so they can read it again in their account, and so a
    failed delivery can be retried without sending it twice."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("last delivery error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self):
        return self.subject
