"""Batches, their append-only trace events, labels and print runs, scans and allocated GTINs."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model_string

from accounts.audit import AppendOnlyError, AuditRecord  # noqa: F401 - still importable here
from config.storage import private_storage
from config.validators import implausible_dates

from .digital_link import build_path
from .gs1 import GS1Error, lot_validator, validate_gtin
from .layouts import LAYOUT_CHOICES

MAX_LABELS_PER_RUN = 10_000


class AllocatedGtin(models.Model):
    """A GTIN the platform numbered under its company prefix. Rows are never deleted, so a
    number is never handed out twice even if its product goes away."""

    gtin = models.CharField(_("GTIN"), max_length=14, unique=True)
    item_reference = models.PositiveIntegerField(_("item reference"), unique=True)
    product = models.OneToOneField(
        "marketplace.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="allocated_gtin",
    )
    allocated_at = models.DateTimeField(_("allocated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocated GTIN")
        verbose_name_plural = _("allocated GTINs")
        ordering = ["item_reference"]

    def __str__(self):
        return self.gtin


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    G = "g", _("g")
    TONNE = "tonne", _("tonne")
    LITRE = "litre", _("litre")
    PIECE = "piece", _("piece")
    BOX = "box", _("box")


class Batch(models.Model):
    """A lot (AI 10) of one product, harvested from one growing area."""

    product = models.ForeignKey(
        "marketplace.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="batches",
    )
    growing_area = models.ForeignKey(
        "growing_areas.GrowingArea",
        verbose_name=_("growing area"),
        on_delete=models.PROTECT,
        related_name="batches",
    )
    lot = models.CharField(
        _("lot code"),
        max_length=20,
        validators=[lot_validator],
        help_text=_("Up to 20 unaccented letters, digits or - . / _ ; suggested automatically."),
    )
    harvest_date = models.DateField(_("harvest date"))
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), _("The quantity must be more than 0."))],
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit, default=Unit.KG)
    packing_date = models.DateField(_("packing date"), null=True, blank=True)
    best_before = models.DateField(_("best before"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # The one-time token of the form that created it: a repeated submit finds it.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-harvest_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "lot"], name="unique_lot_per_product")
        ]

    def __str__(self):
        return f"{self.product} · {self.lot}"

    def clean(self):
        super().clean()
        errors = implausible_dates(self, "harvest_date", "packing_date", "best_before")
        if errors:
            raise ValidationError(errors)
        if self._state.adding and "/" in (self.lot or ""):
            # runserver cannot pass a "/" inside a path segment to the resolver (only
            # gunicorn can), so new lots may not hold one; older lots keep resolving there
            errors["lot"] = _("A lot code cannot contain “/”: use “-” instead.")
        today = timezone.localdate()
        if self.harvest_date and self.harvest_date > today:
            errors["harvest_date"] = _("The harvest date cannot be in the future.")
        if self.packing_date and self.harvest_date and self.packing_date < self.harvest_date:
            errors["packing_date"] = _("The packing date is before the harvest date.")
        start = self.packing_date or self.harvest_date
        if self.best_before and start and self.best_before <= start:
            errors["best_before"] = _("The best-before date must come after packing.")
        if errors:
            raise ValidationError(errors)

    @property
    def gtin(self):
        """The product's GTIN-14, or "" while it has none."""
        try:
            return validate_gtin(self.product.gtin)
        except GS1Error:
            return ""

    @property
    def lot_path(self):
        return build_path(self.gtin, lot=self.lot)


class TraceEvent(AuditRecord):
    """One step in a batch's life. Never edited: a mistake is corrected by a new event that
    names the one it corrects."""

    class Kind(models.TextChoices):
        HARVEST = "harvest", _("Harvest")
        WITHERING = "withering", _("Withering")
        ROLLING = "rolling", _("Rolling")
        FIXING = "fixing", _("Fixing (kill-green)")
        DRYING = "drying", _("Drying")
        ROASTING = "roasting", _("Roasting")
        MILLING = "milling", _("Milling")
        FERMENTING = "fermenting", _("Fermenting")
        PROCESSING = "processing", _("Other processing")
        PACKING = "packing", _("Packing")
        INSPECTION = "inspection", _("Inspection or lab test")
        STORAGE = "storage", _("Storage")
        SHIPPING = "shipping", _("Shipping")

    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("step"), max_length=16, choices=Kind)
    occurred_at = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    note = models.TextField(_("note"), max_length=1000, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=80, blank=True)
    certificate_issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    # The one-time token of the form that created it: a repeated submit finds it.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("trace event")
        verbose_name_plural = _("trace events")
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.batch.lot}"

    def clean(self):
        super().clean()
        if errors := implausible_dates(self, "occurred_at"):
            raise ValidationError(errors)
        if self.occurred_at and self.occurred_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError({"occurred_at": _("The time cannot be in the future.")})
        if self.corrects_id and self.batch_id and self.corrects.batch_id != self.batch_id:
            raise ValidationError({"corrects": _("A correction must be for the same batch.")})
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both the latitude and the longitude, or neither."))


class TraceAttachment(AuditRecord):
    """A photo or a document (certificate, lab report) of a trace event."""

    event = models.ForeignKey(
        TraceEvent, verbose_name=_("event"), on_delete=models.PROTECT, related_name="attachments"
    )
    image = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    document = models.FileField(
        _("document"),
        upload_to="truy-xuat/tai-lieu/%Y/%m/",
        storage=private_storage,
        blank=True,
        max_length=200,
    )
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("event photo or document")
        verbose_name_plural = _("event photos and documents")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(image__isnull=False) & models.Q(document=""))
                | (models.Q(image__isnull=True) & ~models.Q(document="")),
                name="attachment_is_photo_or_document",
            )
        ]

    def __str__(self):
        return self.title or (self.document.name if self.document else str(self.image))

    @property
    def document_path(self):
        """Where the document is handed out after the access check (it has no public URL)."""
        from django.urls import reverse

        name = self.document.name.rsplit("/", 1)[-1]
        return reverse("traceability:document", kwargs={"pk": self.pk, "name": name})


class LabelPrintRun(models.Model):
    """A request for ``count`` labels of a batch on a sheet layout, built into a PDF by Celery."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        BUILDING = "building", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    TRANSITIONS = {
        Status.QUEUED: {Status.BUILDING, Status.FAILED},
        Status.BUILDING: {Status.BUILDING, Status.DONE, Status.FAILED},
        Status.FAILED: {Status.BUILDING},
        Status.DONE: set(),
    }

    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="print_runs"
    )
    count = models.PositiveIntegerField(
        _("number of labels"),
        validators=[
            MinValueValidator(1, _("Print at least one label.")),
            MaxValueValidator(
                MAX_LABELS_PER_RUN, _("At most 10,000 labels can be printed in one run.")
            ),
        ],
    )
    layout = models.CharField(_("sheet layout"), max_length=16, choices=LAYOUT_CHOICES)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveIntegerField(_("labels drawn"), default=0)
    pdf = models.FileField(
        _("PDF"), upload_to="truy-xuat/tem/", storage=private_storage, blank=True, max_length=200
    )
    error = models.TextField(_("error"), blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("why voided"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Moved by the worker after every page: a building run whose heartbeat stops was left
    # behind by a worker that died, and the sweep sends it again within minutes.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The one-time token of the form that created it: a repeated submit finds it.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("label print run")
        verbose_name_plural = _("label print runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.batch} · {self.count} · {self.get_layout_display()}"

    def transition(self, target):
        """Move to ``target`` or raise ValidationError; not saved."""
        target = self.Status(target)
        if target not in self.TRANSITIONS[self.Status(self.status)]:
            raise ValidationError(
                _("A print run cannot go from “%(old)s” to “%(new)s”.")
                % {"old": self.get_status_display(), "new": target.label}
            )
        self.status = target
        if target == self.Status.BUILDING:
            self.started_at = self.started_at or timezone.now()
            self.heartbeat_at = timezone.now()
        if target in {self.Status.DONE, self.Status.FAILED}:
            self.finished_at = timezone.now()

    @property
    def percent(self):
        return int(100 * self.progress / self.count) if self.count else 0

    @property
    def is_finished(self):
        return self.status in {self.Status.DONE, self.Status.FAILED}


class Label(models.Model):
    """One printed label: a random serial (AI 21) under a batch."""

    serial = models.CharField(_("serial"), max_length=20, unique=True)
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="labels"
    )
    print_run = models.ForeignKey(
        LabelPrintRun,
        verbose_name=_("print run"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="labels",
    )
    position = models.PositiveIntegerField(_("position in the run"), default=0)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, db_index=True)
    void_reason = models.CharField(_("why voided"), max_length=200, blank=True)
    # Computed from the scan log by a task (scans.count_label_scans), never by the request,
    # so the page and the admin need no counting query and no scan updates this row.
    scan_count = models.PositiveIntegerField(_("scans"), default=0)
    network_count = models.PositiveIntegerField(_("networks"), default=0)
    first_scanned_at = models.DateTimeField(_("first scanned"), null=True, blank=True)
    # The newest scan the counters include (shown in the admin).
    scans_counted_until = models.DateTimeField(_("scans counted until"), null=True, blank=True)
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True, db_index=True)
    flag_reason = models.CharField(_("flag"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["print_run", "position", "pk"]

    def __str__(self):
        return self.serial

    @property
    def path(self):
        return build_path(self.batch.gtin, lot=self.batch.lot, serial=self.serial)

    @property
    def is_voided(self):
        return self.voided_at is not None


class Scan(AuditRecord):
    """One view of a label URL. No raw network address is kept: only a keyed hash of its
    network prefix (/24 for IPv4, /48 for IPv6), enough to count distinct networks."""

    class Outcome(models.TextChoices):
        GENUINE = "genuine", _("Genuine label")
        UNKNOWN_SERIAL = "unknown_serial", _("Serial never issued")
        UNKNOWN_LOT = "unknown_lot", _("Unknown lot")
        VOIDED = "voided", _("Voided label")

    # Written on every label view: keep it out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now, db_index=True)
    label = models.ForeignKey(
        Label,
        verbose_name=_("label"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scans",
    )
    gtin = models.CharField(_("GTIN"), max_length=14)
    lot = models.CharField(_("lot code"), max_length=20)
    serial = models.CharField(_("serial"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, db_index=True)
    network_hash = models.CharField(_("network (hashed)"), max_length=64)
    browser_family = models.CharField(_("browser"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-scanned_at", "-pk"]
        indexes = [
            models.Index(fields=["label", "network_hash"]),
            # "has this network just scanned this?", asked by every label view
            models.Index(fields=["network_hash", "scanned_at"], name="scan_network_recent_idx"),
        ]

    def __str__(self):
        return f"{self.serial} · {self.scanned_at:%Y-%m-%d %H:%M}"


class ScanDrain(models.Model):
    """The scan drain's watermark (one row): every scan with an id at or below
    ``counted_through`` is included in its label's counters. The drain moves it only after
    the labels it covers were recounted, so a drain killed mid-way recounts them again."""

    counted_through = models.BigIntegerField(_("scans counted through id"), default=0)
    drained_at = models.DateTimeField(_("drained at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scan drain")
        verbose_name_plural = _("scan drain")

    def __str__(self):
        return f"{self.counted_through}"


class LabelVoiding(AuditRecord):
    """One voiding or lifting of a label's voiding: who, when and why. Written by
    ``printing.void_label``, ``void_run`` and ``unvoid_label`` only, never changed."""

    class Action(models.TextChoices):
        VOID = "void", _("Voided")
        UNVOID = "unvoid", _("Voiding lifted")

    label = models.ForeignKey(
        Label, verbose_name=_("label"), on_delete=models.PROTECT, related_name="voidings"
    )
    action = models.CharField(_("action"), max_length=8, choices=Action)
    reason = models.CharField(_("reason"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("label voiding")
        verbose_name_plural = _("label voidings")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.label} · {self.get_action_display()}"
