"""The growing-area code registry (mã số vùng trồng): areas, their certifications, the history
of their status, and the import jobs that load them from the province's spreadsheets."""

import contextlib
import json
import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from accounts.audit import AuditRecord
from config.storage import private_storage
from config.validators import implausible_dates
from places import divisions
from places.models import CommuneCodeField, PlaceCodesMixin, ProvinceCodeField

from .validators import (
    CODE_MAX_LENGTH,
    clean_boundary,
    geometry_bounds,
    normalize_code,
    normalize_holder_phone,
    validate_area_ha,
    validate_boundary,
    validate_code,
    validate_holder_phone,
    validate_latitude,
    validate_longitude,
    validate_plausible_year,
)

EXPIRY_WARNING_DAYS = 60


def local_today():
    return timezone.localdate()


class GrowingAreaQuerySet(models.QuerySet):
    def expiring_within(self, days=EXPIRY_WARNING_DAYS, today=None):
        """Areas whose code expires between today and ``days`` from now."""
        today = today or local_today()
        return self.filter(valid_until__gte=today, valid_until__lte=today + timedelta(days=days))

    def expired(self, today=None):
        return self.filter(valid_until__lt=today or local_today())

    def in_good_standing(self, today=None):
        """Active and not expired (``GrowingArea.is_in_good_standing`` for many areas)."""
        return self.filter(status=GrowingArea.Status.ACTIVE).exclude(
            valid_until__lt=today or local_today()
        )

    def eligible_for_batch(self, product):
        """The areas a batch of ``product`` may come from: in good standing, and either in
        its producer's commune or the area its listing names (a moderator may link a
        neighbouring commune's area). ``traceability.services.record_batch`` enforces it."""
        return self.in_good_standing().filter(
            models.Q(commune_code=product.producer.commune_code)
            | models.Q(pk=product.growing_area_id)
        )

    def eligible_for_batches_of(self, producers):
        """``eligible_for_batch`` for every product of ``producers`` at once (the batch form
        lists them before the product is chosen)."""
        return (
            self.in_good_standing()
            .filter(
                models.Q(commune_code__in=producers.values("commune_code"))
                | models.Q(products__producer__in=producers)
            )
            .distinct()
        )


class GrowingArea(PlaceCodesMixin, ClusterableModel):
    """One registered growing area and its code."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    class HolderType(models.TextChoices):
        COOPERATIVE = "cooperative", _("Cooperative")
        HOUSEHOLD = "household", _("Household")
        ENTERPRISE = "enterprise", _("Enterprise")

    code = models.CharField(
        _("growing-area code"),
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[validate_code],
        help_text=_("Stored in capitals without spaces."),
        error_messages={"unique": _("A growing area with this code already exists.")},
    )
    name = models.CharField(_("name"), max_length=200)
    crop = models.CharField(_("crop"), max_length=100, db_index=True)
    variety = models.CharField(_("variety"), max_length=100, blank=True)
    area_ha = models.DecimalField(
        _("area (ha)"), max_digits=10, decimal_places=2, validators=[validate_area_ha]
    )
    province_code = ProvinceCodeField(db_index=True)
    commune_code = CommuneCodeField(db_index=True)
    village = models.CharField(_("village (thôn/bản)"), max_length=120, blank=True)
    holder_name = models.CharField(_("holder"), max_length=200)
    holder_type = models.CharField(
        _("holder type"), max_length=16, choices=HolderType.choices, blank=True
    )
    holder_phone = models.CharField(
        _("holder's phone"), max_length=20, blank=True, validators=[validate_holder_phone]
    )
    households = models.PositiveIntegerField(_("number of households"), null=True, blank=True)
    issued_by = models.CharField(_("issuing authority"), max_length=200)
    issued_on = models.DateField(_("issue date"), validators=[validate_plausible_year])
    valid_until = models.DateField(
        _("expiry date"),
        null=True,
        blank=True,
        db_index=True,
        validators=[validate_plausible_year],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validate_latitude],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validate_longitude],
    )
    boundary = models.JSONField(
        _("boundary (GeoJSON polygon)"),
        null=True,
        blank=True,
        validators=[validate_boundary],
        help_text=_("A GeoJSON Polygon in [longitude, latitude] order."),
    )
    # The box around the boundary (else the point), kept for the GeoJSON feed's ?bbox= filter.
    extent_west = models.FloatField(null=True, blank=True, editable=False)
    extent_south = models.FloatField(null=True, blank=True, editable=False)
    extent_east = models.FloatField(null=True, blank=True, editable=False, db_index=True)
    extent_north = models.FloatField(null=True, blank=True, editable=False)
    export_markets = models.CharField(
        _("export markets"),
        max_length=300,
        blank=True,
        help_text=_("Separated by commas, for example: EU, Japan, China."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = GrowingAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("growing area")
        verbose_name_plural = _("growing areas")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} · {self.name}"

    def get_absolute_url(self):
        return reverse("growing_areas:detail", kwargs={"code": self.code})

    def clean_fields(self, exclude=None):
        self.code = normalize_code(self.code)  # before the pattern is checked
        # when the number is wrong, the field's validator says why with the other errors
        with contextlib.suppress(ValidationError):
            self.holder_phone = normalize_holder_phone(self.holder_phone)
        super().clean_fields(exclude=exclude)

    def save(self, *args, **kwargs):
        self.code = normalize_code(self.code)
        self.set_extent()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"boundary", "latitude", "longitude"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, *self.EXTENT_FIELDS}
        super().save(*args, **kwargs)

    EXTENT_FIELDS = ("extent_west", "extent_south", "extent_east", "extent_north")

    def set_extent(self):
        """Fill the extent fields from the boundary, else the point (None without either).
        Returns whether they changed."""
        box = (None, None, None, None)
        with contextlib.suppress(KeyError, IndexError, TypeError, ValueError):
            # a boundary not yet cleaned (or not valid) has no extent until it is
            box = geometry_bounds(self.location_geometry)
        changed = box != tuple(getattr(self, name) for name in self.EXTENT_FIELDS)
        for name, value in zip(self.EXTENT_FIELDS, box, strict=True):
            setattr(self, name, value)
        return changed

    def clean(self):
        super().clean()
        errors = implausible_dates(self, "issued_on", "valid_until")
        commune = divisions.commune(self.commune_code)
        if commune is not None:
            if not self.province_code:
                self.province_code = commune.province_code
            elif commune.province_code != self.province_code:
                errors["commune_code"] = _("This commune is not in the chosen province.")
        if self.issued_on and self.valid_until and self.valid_until < self.issued_on:
            errors.setdefault("valid_until", _("The expiry date is before the issue date."))
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = _(
                "Give both the latitude and the longitude, or neither."
            )
        if self.boundary:
            # stored as the cleaned geometry; when it is not valid, the field's own validator
            # has said why (once: not again here)
            with contextlib.suppress(ValidationError):
                self.boundary = clean_boundary(self.boundary)
        if errors:
            raise ValidationError(errors)

    # --- what people see ---

    @property
    def location_text(self):
        commune, province = self.commune, self.province
        parts = [self.village, commune.name if commune else "", province.name if province else ""]
        return ", ".join(p for p in parts if p)

    @property
    def is_expired(self):
        return self.valid_until is not None and self.valid_until < local_today()

    @property
    def expires_soon(self):
        if self.valid_until is None or self.is_expired:
            return False
        return self.valid_until <= local_today() + timedelta(days=EXPIRY_WARNING_DAYS)

    @property
    def is_in_good_standing(self):
        """Active and not expired: what a buyer or a batch form needs to know."""
        return self.status == self.Status.ACTIVE and not self.is_expired

    @property
    def standing_label(self):
        if self.status != self.Status.ACTIVE:
            return self.get_status_display()
        if self.is_expired:
            return _("Expired")
        return self.get_status_display()

    @property
    def standing_css(self):
        if self.status == self.Status.REVOKED or (
            self.status == self.Status.ACTIVE and self.is_expired
        ):
            return "bad"
        if self.status == self.Status.SUSPENDED:
            return "warn"
        return "ok"

    @property
    def export_market_list(self):
        return [m.strip() for m in self.export_markets.split(",") if m.strip()]

    @property
    def boundary_geojson(self):
        """The boundary as GeoJSON text, as the import reads it (and the export writes it)."""
        return json.dumps(self.boundary, ensure_ascii=False) if self.boundary else ""

    @property
    def location_geometry(self):
        """The boundary when there is one, else the point, as a GeoJSON geometry (or None)."""
        if self.boundary:
            return self.boundary
        if self.latitude is not None and self.longitude is not None:
            return {"type": "Point", "coordinates": [float(self.longitude), float(self.latitude)]}
        return None

    # --- the one place where status changes ---

    def can_change_status_to(self, new_status):
        """Any status may follow any other (a suspension is lifted, a revocation reversed on
        appeal); only staying where it is makes no change to record."""
        return new_status in self.Status.values and new_status != self.status

    def change_status(self, new_status, *, reason, by=None):
        """Move to ``new_status`` and record who did it, when and why. Refuses a change without
        a reason, a change to the same status and an unknown status. Returns the history row."""
        reason = " ".join((reason or "").split())
        if not reason:
            raise ValidationError(
                {"reason": _("Say why the status changes: the reason is kept in the history.")},
                code="reason_required",
            )
        if new_status not in self.Status.values:
            raise ValidationError({"status": _("Choose a valid status.")}, code="invalid_status")
        new_status = self.Status(new_status)
        if not self.can_change_status_to(new_status):
            raise ValidationError(
                {
                    "status": _("The area is already “%(status)s”.")
                    % {"status": self.Status(self.status).label}
                },
                code="same_status",
            )
        with transaction.atomic():
            old_status = self.status
            self.status = new_status
            self.save(update_fields=["status", "updated_at"])
            return StatusChange.objects.create(
                area=self,
                from_status=old_status,
                to_status=new_status,
                reason=reason,
                changed_by=by,
            )


class Certification(models.Model):
    """A certificate held by the area (VietGAP, GlobalGAP, organic)."""

    class Scheme(models.TextChoices):
        VIETGAP = "vietgap", "VietGAP"
        GLOBALGAP = "globalgap", "GlobalG.A.P."
        ORGANIC = "organic", _("Organic")

    area = ParentalKey(
        GrowingArea,
        on_delete=models.CASCADE,
        related_name="certifications",
        verbose_name=_("growing area"),
    )
    scheme = models.CharField(_("certification"), max_length=16, choices=Scheme.choices)
    number = models.CharField(_("certificate number"), max_length=100)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), db_index=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["scheme", "valid_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "scheme", "number"], name="growing_area_certificate_once"
            )
        ]

    def __str__(self):
        return f"{self.get_scheme_display()} {self.number}"

    def clean(self):
        super().clean()
        if errors := implausible_dates(self, "issued_on", "valid_until"):
            raise ValidationError(errors)
        if self.issued_on and self.valid_until and self.valid_until < self.issued_on:
            raise ValidationError({"valid_until": _("The expiry date is before the issue date.")})

    @property
    def is_valid(self):
        return self.valid_until >= local_today()


class StatusChange(AuditRecord):
    """One change of an area's status: who, when, why. Never edited."""

    area = models.ForeignKey(
        GrowingArea,
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name=_("growing area"),
    )
    from_status = models.CharField(
        _("from"), max_length=16, choices=GrowingArea.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=16, choices=GrowingArea.Status.choices)
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.area_id}: {self.from_status} → {self.to_status}"


IMPORT_EXTENSIONS = {".csv", ".txt", ".xlsx", ".xlsm"}


def import_upload_path(instance, filename):
    """A random name: the uploader's file name is kept only in ``original_name``, and the
    stored extension is one the import reads (anything else is stored as ``.bin``)."""
    extension = os.path.splitext(filename)[1].lower()
    if extension not in IMPORT_EXTENSIONS:
        extension = ".bin"
    return f"growing_areas/imports/{get_random_string(16).lower()}{extension}"


class ImportJob(models.Model):
    """An import of a spreadsheet started from the admin. Its progress and report live here,
    so any web machine can show what any worker is doing."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a worker")
        VALIDATING = "validating", _("Checking rows")
        SAVING = "saving", _("Saving")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Refused")

    FINISHED = {State.SUCCEEDED, State.FAILED}
    MAX_STORED_ERRORS = 1000

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(
        _("file"), upload_to=import_upload_path, storage=private_storage, max_length=300
    )
    original_name = models.CharField(_("file name"), max_length=255)
    dry_run = models.BooleanField(_("check only, save nothing"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    created_count = models.PositiveIntegerField(_("areas created"), default=0)
    updated_count = models.PositiveIntegerField(_("areas updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of errors"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("growing-area import")
        verbose_name_plural = _("growing-area imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name

    @property
    def is_finished(self):
        return self.state in self.FINISHED

    @property
    def percent(self):
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.processed_rows * 100 / self.total_rows))
