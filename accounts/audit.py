"""Append-only records: the audit trails and history tables of every app (listing history,
growing-area status changes, trace events and their attachments, label voidings, scans).

A model that inherits ``AuditRecord`` can only gain rows. Saving an existing row, deleting one,
and ``update()`` or ``delete()`` on its QuerySets raise ``AppendOnlyError``; so does a cascade
from a parent row, so every foreign key of an audit record is ``PROTECT`` (the history keeps
its parent) or ``SET_NULL`` (the history outlives it). A mistake is put right by a new row."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import class_prepared, pre_delete
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(ValidationError):
    """An attempt to change or delete a record that may only be added to."""


def _refuse_change(model):
    return AppendOnlyError(
        _("%(records)s: a record is kept as written and cannot be changed; add a new one.")
        % {"records": capfirst(model._meta.verbose_name_plural)},
        code="append_only",
    )


def _refuse_delete(model):
    return AppendOnlyError(
        _("%(records)s: a record is kept as written and cannot be deleted.")
        % {"records": capfirst(model._meta.verbose_name_plural)},
        code="append_only",
    )


class AuditQuerySet(models.QuerySet):
    """Reads as usual; refuses to change or delete rows in bulk."""

    def update(self, **kwargs):
        raise _refuse_change(self.model)

    def delete(self):
        raise _refuse_delete(self.model)

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:  # an upsert would overwrite the rows it meets
            raise _refuse_change(self.model)
        return super().bulk_create(objs, *args, update_conflicts=update_conflicts, **kwargs)


class AuditRecord(models.Model):
    """Base of every append-only model: a row is inserted once and never changed or deleted."""

    objects = AuditQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _refuse_change(type(self))
        # Always an INSERT: a new object given an existing primary key fails rather than
        # overwriting that row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse_delete(type(self))


class StatusChange(AuditRecord):
    """Base of the status histories (order events, pickup job events): who moved the record,
    from which status to which, why and when. Subclasses add the foreign key to what moved."""

    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24)
    note = models.TextField(_("why"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]


def _refuse_cascade(sender, instance, **kwargs):
    """A parent's delete reaching an audit row (a CASCADE) is refused, and rolled back."""
    raise _refuse_delete(sender)


def _guard_cascades(sender, **kwargs):
    if issubclass(sender, AuditRecord) and not sender._meta.abstract:
        pre_delete.connect(_refuse_cascade, sender=sender, dispatch_uid=f"audit:{sender}")


class_prepared.connect(_guard_cascades, dispatch_uid="accounts.audit")


def audit_models():
    """Every installed append-only model."""
    from django.apps import apps

    return [model for model in apps.get_models() if issubclass(model, AuditRecord)]
