"""Post offices, the communes they serve, and one pickup job per seller order.

A job's status set and its allowed transitions live here and nowhere else; every change goes
through ``PickupJob.move_to`` (which refuses an illegal step) and is recorded as a
``PickupJobEvent`` by the services in ``services.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from accounts.audit import AuditRecord, StatusChange
from config.storage import private_storage
from marketplace.models import InvalidTransition
from places.models import Address, CommuneCodeField

from .sscc import validate_sscc

# A job that failed this many times leaves its office's list for the moderators' queue.
MAX_PICKUP_FAILURES = 3


class PostOffice(Address, ClusterableModel):
    """A post office: it collects the parcels of the communes it serves."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("postal staff"),
        blank=True,
        related_name="post_offices",
    )

    class Meta:
        verbose_name = _("post office")
        verbose_name_plural = _("post offices")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ServedCommune(models.Model):
    """A commune whose parcels one office collects; each commune has at most one office."""

    office = ParentalKey(PostOffice, on_delete=models.CASCADE, related_name="served_communes")
    commune_code = CommuneCodeField(unique=True)

    class Meta:
        verbose_name = _("commune served")
        verbose_name_plural = _("communes served")
        ordering = ["commune_code"]

    def __str__(self):
        commune = self.commune
        return commune.name if commune else self.commune_code

    @property
    def commune(self):
        from places import divisions

        return divisions.commune(self.commune_code)


class PickupJob(models.Model):
    """The post office's visit to one farmer for one seller order's parcel."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for pickup")
        PICKED_UP = "picked_up", _("Picked up")
        FAILED = "failed", _("Pickup failed")
        IN_TRANSIT = "in_transit", _("In transit")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
        RETURNED = "returned", _("Returned")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        # a job still to collect is cancelled with its order
        Status.WAITING: {Status.PICKED_UP, Status.FAILED, Status.CANCELLED},
        # a failed pickup is tried again on the next working day
        Status.FAILED: {Status.PICKED_UP, Status.FAILED, Status.CANCELLED},
        Status.PICKED_UP: {Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.DELIVERED},
        Status.IN_TRANSIT: {Status.OUT_FOR_DELIVERY, Status.DELIVERED},
        Status.OUT_FOR_DELIVERY: {Status.DELIVERED, Status.DELIVERY_FAILED},
        Status.DELIVERY_FAILED: {Status.OUT_FOR_DELIVERY, Status.RETURNED},
        Status.DELIVERED: set(),
        Status.RETURNED: set(),
        Status.CANCELLED: set(),
    }
    # Jobs still to be collected at the farmer's door.
    TO_COLLECT = {Status.WAITING, Status.FAILED}

    seller_order = models.OneToOneField(
        "marketplace.SellerOrder",
        verbose_name=_("seller order"),
        on_delete=models.PROTECT,
        related_name="pickup_job",
    )
    office = models.ForeignKey(
        PostOffice,
        verbose_name=_("post office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="jobs",
        help_text=_("Empty: no office serves the farmer's commune."),
    )
    needs_moderator = models.BooleanField(
        _("in the moderators' queue"), default=False, db_index=True
    )
    sscc = models.CharField(
        _("SSCC"), max_length=18, unique=True, validators=[validate_sscc], editable=False
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status, default=Status.WAITING, db_index=True
    )
    pickup_date = models.DateField(_("pickup date"), db_index=True)
    expected_weight_grams = models.PositiveIntegerField(_("expected weight (g)"))
    parcel_count = models.PositiveSmallIntegerField(_("parcels"), null=True, blank=True)
    actual_weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    cod_amount = models.PositiveBigIntegerField(_("cash to collect at delivery (VND)"), default=0)
    failures = models.PositiveSmallIntegerField(_("failed pickups"), default=0)
    # Set when the parcel reaches the buyer: the cash the carrier took for a COD parcel is
    # what the COD remittance pays back to the farmer.
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cod_collected = models.PositiveBigIntegerField(_("cash collected at delivery (VND)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pickup job")
        verbose_name_plural = _("pickup jobs")
        ordering = ["pickup_date", "pk"]
        indexes = [
            models.Index(
                fields=["office", "pickup_date"],
                condition=Q(status__in=["waiting", "failed"]),
                name="pickup_job_to_collect",
            )
        ]

    def __str__(self):
        return self.sscc

    def move_to(self, target):
        """Set ``target`` status or raise InvalidTransition; not saved."""
        target = self.Status(target)
        if target not in self.TRANSITIONS[self.Status(self.status)]:
            raise InvalidTransition(
                _("This pickup cannot go from “%(old)s” to “%(new)s”.")
                % {"old": self.get_status_display(), "new": target.label},
                code="invalid_transition",
            )
        self.status = target


class PickupJobEvent(StatusChange):
    """One change to a pickup job: who, when, why."""

    job = models.ForeignKey(PickupJob, on_delete=models.PROTECT, related_name="events")
    # When it happened by the carrier's clock (a webhook event); empty: when it was recorded.
    # The carrier's events are put in order by this time, not by when they arrived.
    occurred_at = models.DateTimeField(_("happened at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pickup job event")
        verbose_name_plural = _("pickup job events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.job} {self.from_status} → {self.to_status}"


class SsccCounter(models.Model):
    """The last serial reference handed out: one row, taken under a lock, only ever raised,
    so an SSCC is never allocated twice."""

    last_serial = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("SSCC counter")

    def __str__(self):
        return str(self.last_serial)


class PickupList(models.Model):
    """An office's pickup list (bảng kê) for one day: its rows are the stops in route order.
    Drawn up each morning (``pickup_lists.draw_up``), once per office and day whatever
    repeats; its A4 PDF and the parcel slips sheet are drawn by Celery on request, with
    progress and a heartbeat as label print runs are."""

    class Status(models.TextChoices):
        NEW = "new", _("Not printed yet")
        QUEUED = "queued", _("Waiting")
        BUILDING = "building", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    TRANSITIONS = {
        Status.NEW: {Status.QUEUED},
        Status.QUEUED: {Status.BUILDING, Status.FAILED, Status.NEW},
        Status.BUILDING: {Status.BUILDING, Status.DONE, Status.FAILED, Status.NEW},
        Status.FAILED: {Status.QUEUED, Status.BUILDING, Status.NEW},
        # a stop added after printing makes the paper out of date: print again
        Status.DONE: {Status.NEW},
    }

    office = models.ForeignKey(
        PostOffice,
        verbose_name=_("post office"),
        on_delete=models.PROTECT,
        related_name="pickup_lists",
    )
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.NEW, db_index=True
    )
    progress = models.PositiveIntegerField(_("stops drawn"), default=0)
    total = models.PositiveIntegerField(_("stops to draw"), default=0)
    pdf = models.FileField(
        _("list PDF"),
        upload_to="buu-dien/bang-ke/",
        storage=private_storage,
        blank=True,
        max_length=200,
    )
    slips_pdf = models.FileField(
        _("parcel slips PDF"),
        upload_to="buu-dien/phieu-gui/",
        storage=private_storage,
        blank=True,
        max_length=200,
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("drawn up at"), auto_now_add=True)
    requested_at = models.DateTimeField(_("printing requested at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Moved by the worker after every stop: a building list whose heartbeat stops was left
    # behind by a worker that died, and the sweep sends it again within minutes.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    staff_notified_at = models.DateTimeField(_("staff told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pickup list")
        verbose_name_plural = _("pickup lists")
        ordering = ["-day", "office__name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="one_pickup_list_per_day")
        ]

    def __str__(self):
        return f"{self.office} · {self.day:%d/%m/%Y}"

    def transition(self, target):
        """Move to ``target`` or raise InvalidTransition; not saved."""
        target = self.Status(target)
        if target not in self.TRANSITIONS[self.Status(self.status)]:
            raise InvalidTransition(
                _("A pickup list cannot go from “%(old)s” to “%(new)s”.")
                % {"old": self.get_status_display(), "new": target.label},
                code="invalid_transition",
            )
        self.status = target
        now = timezone.now()
        if target == self.Status.QUEUED:
            self.requested_at = now
            self.heartbeat_at = None
        if target == self.Status.BUILDING:
            self.started_at = now
            self.heartbeat_at = now
        if target in {self.Status.DONE, self.Status.FAILED}:
            self.finished_at = now

    @property
    def is_printing(self):
        return self.status in {self.Status.QUEUED, self.Status.BUILDING}

    @property
    def percent(self):
        return int(100 * self.progress / self.total) if self.total else 0


class PickupListRow(models.Model):
    """One stop of a pickup list: a job, at its place in the route."""

    pickup_list = models.ForeignKey(PickupList, on_delete=models.CASCADE, related_name="rows")
    job = models.ForeignKey(PickupJob, on_delete=models.PROTECT, related_name="list_rows")
    position = models.PositiveIntegerField(_("position"))
    farmer_notified_at = models.DateTimeField(_("farmer told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pickup list row")
        verbose_name_plural = _("pickup list rows")
        ordering = ["pickup_list", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pickup_list", "job"], name="one_row_per_job")
        ]

    def __str__(self):
        return f"{self.pickup_list} #{self.position}"


class CodRemittance(AuditRecord):
    """The cash a producer was paid back for the COD parcels delivered in a period: written
    once, when a moderator marks the period paid, and never changed (a mistake is put right
    by an adjustment outside this record)."""

    producer = models.ForeignKey(
        "marketplace.Producer",
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="cod_remittances",
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    collected = models.PositiveBigIntegerField(_("collected (VND)"))
    fees = models.PositiveBigIntegerField(_("fees (VND)"))
    net = models.PositiveBigIntegerField(_("net (VND)"))
    reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_at = models.DateTimeField(_("paid at"), auto_now_add=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("COD remittance")
        verbose_name_plural = _("COD remittances")
        ordering = ["-period_start", "producer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["producer", "period_start", "period_end"],
                name="cod_remittance_one_per_producer_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="cod_remittance_period_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.producer_id} {self.period_start}–{self.period_end}"


class CodRemittanceLine(AuditRecord):
    """One delivered COD parcel in a remittance; a job is in at most one remittance, so no
    period pays it twice."""

    remittance = models.ForeignKey(CodRemittance, on_delete=models.PROTECT, related_name="lines")
    job = models.OneToOneField(PickupJob, on_delete=models.PROTECT, related_name="remittance_line")
    collected = models.PositiveBigIntegerField(_("collected (VND)"))
    fee = models.PositiveBigIntegerField(_("fee (VND)"))

    class Meta:
        verbose_name = _("COD remittance line")
        verbose_name_plural = _("COD remittance lines")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.remittance} {self.job_id}"
