import re
from calendar import monthrange
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.fields import StreamField
from wagtail.images import get_image_model_string
from wagtail.models import Page
from wagtail.search import index

from accounts.audit import AuditRecord
from accounts.phone import display_phone
from config.storage import private_storage
from config.validators import implausible_dates
from places import divisions
from places.divisions import fold
from places.forms import province_choices
from places.models import Address, CommuneCodeField, ProvinceCodeField

from .blocks import BodyStreamBlock, HomeStreamBlock
from .validators import gtin_forms, has_valid_check_digit, validate_gtin

# What a cleaned certificate is stored as: a checked PDF, or a picture re-encoded as JPEG/PNG.
CERTIFICATE_EXTENSIONS = ["pdf", "jpg", "png"]


class HomePage(Page):
    """The front page: hero, featured stories and calls to action for farmers and buyers."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)
    body = StreamField(HomeStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Wagtail routes through the home page in the person's language; a page nobody has
        translated yet is found in the Vietnamese tree, so its address works in English too."""
        try:
            return super().route(request, path_components)
        except Http404:
            default = get_supported_content_language_variant(settings.LANGUAGE_CODE)
            if get_supported_content_language_variant(get_language()) == default:
                raise  # already the Vietnamese tree: a 404 costs no further query
            vietnamese = (
                HomePage.objects.live()
                .filter(translation_key=self.translation_key, locale__language_code=default)
                .exclude(pk=self.pk)
                .first()
            )
            if vietnamese is None:
                raise
            return vietnamese.route(request, path_components)


class StandardPage(Page):
    """A guide or information page, e.g. "Cách đăng bán sản phẩm"."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name=_("content"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["marketplace.HomePage", "marketplace.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    platform_name = models.CharField(_("platform name"), max_length=80, default="Chợ Phiên")
    hotline = models.CharField(_("hotline"), max_length=20, default="1900 0000", blank=True)
    province_code = ProvinceCodeField(
        default="15", help_text=_("The province the platform serves first.")
    )

    panels = [
        FieldPanel("platform_name"),
        FieldPanel("hotline"),
        FieldPanel("province_code", widget=forms.Select(choices=province_choices)),
    ]

    class Meta:
        verbose_name = _("site settings")

    @property
    def province(self):
        return divisions.province(self.province_code)


# --- Producers and listings -----------------------------------------------------------------


class InvalidTransition(ValidationError):
    """A state change the model does not allow from its current state."""


def validate_tax_code(value):
    """Vietnamese tax codes: 10 digits, 10 digits + "-" + 3 digits for a branch, or the
    12-digit personal identity number that household businesses use since 2025."""
    if not re.fullmatch(r"\d{10}(-\d{3})?|\d{12}", value or ""):
        raise ValidationError(
            _("A tax code has 10 digits (or 10 digits, a dash and 3 digits, or 12 digits)."),
            code="invalid_tax_code",
        )


def validate_not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("The decision date cannot be in the future."), code="future")


def decisions_from(transitions, labels, state):
    """(target, label) for each state a moderator may move ``state`` to: the targets
    ``transitions`` allows that have a label in ``labels``, in the order of their choices."""
    allowed = transitions[state]
    return [
        (target, labels.get((state, target), labels[target]))
        for target in type(state)
        if target in allowed and target in labels
    ]


def add_months(day, months):
    """The same day ``months`` later, moved back to the month's last day if needed."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


class Producer(Address):
    """A farm household, cooperative or enterprise that sells on the platform."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("Household")
        COOPERATIVE = "cooperative", _("Cooperative")
        ENTERPRISE = "enterprise", _("Enterprise")

    class Verification(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        SUSPENDED = "suspended", _("Suspended")

    class Consent(models.TextChoices):
        SIGNED_FORM = "signed_form", _("Signed a paper consent form")
        IN_PERSON = "in_person", _("Agreed in person, with the helper")
        PHONE_CALL = "phone_call", _("Agreed on a phone call")
        ON_DESK = "on_desk", _("Agreed on their seller desk, when a helper asked")

    TRANSITIONS = {
        Verification.PENDING: {Verification.VERIFIED, Verification.SUSPENDED},
        Verification.VERIFIED: {Verification.SUSPENDED},
        Verification.SUSPENDED: {Verification.VERIFIED},
    }
    # The moderator's button for each target state, and for (from, to) where it reads better.
    DECISION_LABELS = {
        Verification.VERIFIED: _("Verify"),
        Verification.SUSPENDED: _("Suspend"),
        (Verification.SUSPENDED, Verification.VERIFIED): _("Verify again"),
    }

    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.HOUSEHOLD)
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    story = models.TextField(_("story"), max_length=2000, blank=True)
    photo = models.ForeignKey(
        get_image_model_string(),
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    tax_code = models.CharField(
        _("tax code"), max_length=14, blank=True, validators=[validate_tax_code]
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accounts that act for it"),
        related_name="producers",
        blank=True,
    )
    verification = models.CharField(
        _("verification"),
        max_length=16,
        choices=Verification,
        default=Verification.PENDING,
        db_index=True,
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    onboarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("onboarded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="onboarded_producers",
    )
    consent_method = models.CharField(
        _("how the farmer gave consent"), max_length=16, choices=Consent, blank=True
    )
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The one-time token of the sign-up form that created it: a repeated submit finds it.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("marketplace:producer", args=[self.slug])

    @property
    def is_verified(self):
        return self.verification == self.Verification.VERIFIED

    @classmethod
    def decisions(cls, state):
        """The moderator's choices for a producer in ``state``: (target, label) for each
        transition TRANSITIONS allows, in the order of ``Verification``."""
        return decisions_from(cls.TRANSITIONS, cls.DECISION_LABELS, cls.Verification(state))

    @property
    def is_suspended(self):
        return self.verification == self.Verification.SUSPENDED

    def transition(self, target, note=""):
        """Move to ``target`` verification state or raise InvalidTransition; not saved."""
        target = self.Verification(target)
        if target not in self.TRANSITIONS[self.Verification(self.verification)]:
            raise InvalidTransition(
                _("A producer cannot go from “%(old)s” to “%(new)s”.")
                % {"old": self.get_verification_display(), "new": target.label}
            )
        self.verification = target
        self.verification_note = note
        if target == self.Verification.VERIFIED:
            self.verified_at = timezone.now()

    @property
    def phone_display(self):
        return display_phone(self.phone) if self.phone else ""

    @property
    def member_ids(self):
        """The accounts that are the producer itself, to tell its own changes from a helper's."""
        return {member.pk for member in self.members.all()}


class HelperCommune(models.Model):
    """A commune a community helper (Tổ CĐS cộng đồng) serves; moderators edit the list."""

    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("community helper"),
        on_delete=models.CASCADE,
        related_name="helper_communes",
    )
    commune_code = CommuneCodeField()

    class Meta:
        verbose_name = _("commune served by a helper")
        verbose_name_plural = _("communes served by helpers")
        ordering = ["helper", "commune_code"]
        constraints = [
            models.UniqueConstraint(fields=["helper", "commune_code"], name="unique_helper_commune")
        ]

    def __str__(self):
        commune = divisions.commune(self.commune_code)
        return f"{self.helper} · {commune or self.commune_code}"

    @property
    def commune(self):
        return divisions.commune(self.commune_code)


MAX_PRICE_VND = 1_000_000_000
MAX_PHOTOS = 5
MAX_QUANTITY = 1_000_000
OCOP_VALID_MONTHS = 36


def ocop_last_valid_day(decision_date):
    """The last day an OCOP certificate decided on ``decision_date`` is valid: 36 months."""
    return add_months(decision_date, OCOP_VALID_MONTHS) - timedelta(days=1)


def ocop_valid_since(today):
    """The earliest decision date whose certificate is still valid on ``today``: the exact
    inverse of ``ocop_last_valid_day``, so a filter on decision dates agrees with the badge."""
    day = add_months(today, -OCOP_VALID_MONTHS)
    # add_months moves 29/02 to 28/02, so the first guess may be a day or two off either way
    while ocop_last_valid_day(day) < today:
        day += timedelta(days=1)
    while ocop_last_valid_day(day - timedelta(days=1)) >= today:
        day -= timedelta(days=1)
    return day


class ProductQuerySet(models.QuerySet):
    """The questions asked about listings everywhere: who may see them, whose OCOP
    certificate is valid. The model's properties answer the same for one listing."""

    @staticmethod
    def public_condition(prefix=""):
        """What ``public()`` filters on, for counts and for rows that point at a product
        (``prefix="product__"``)."""
        return models.Q(
            **{
                f"{prefix}review_state": Product.Review.APPROVED,
                f"{prefix}producer__verification": Producer.Verification.VERIFIED,
            }
        )

    @staticmethod
    def ocop_valid_condition(today=None, prefix=""):
        """What ``ocop_valid()`` filters on, for counts and across relations."""
        since = ocop_valid_since(today or timezone.localdate())
        return models.Q(
            **{f"{prefix}ocop_stars__isnull": False, f"{prefix}ocop_decision_date__gte": since}
        )

    def public(self):
        """What buyers may see: approved listings of verified producers (``is_public``)."""
        return self.filter(self.public_condition())

    def ocop_valid(self, today=None):
        """Listings whose OCOP certificate is valid on ``today`` (``ocop_is_valid``)."""
        return self.filter(self.ocop_valid_condition(today))

    def ocop_ending_within(self, days, today=None):
        """Listings whose OCOP certificate is valid today and ends within ``days`` days."""
        today = today or timezone.localdate()
        return self.ocop_valid(today).exclude(
            ocop_decision_date__gte=ocop_valid_since(today + timedelta(days=days + 1))
        )


class Product(models.Model):
    """A listing: what a producer sells, at what price, and whether the public may see it."""

    class Category(models.TextChoices):
        TEA = "tea", _("Tea")
        HONEY = "honey", _("Honey")
        CINNAMON = "cinnamon", _("Cinnamon")
        RICE = "rice", _("Rice")
        FRUIT = "fruit", _("Fruit")
        VEGETABLES = "vegetables", _("Vegetables")
        HANDICRAFT = "handicraft", _("Handicraft")
        OTHER = "other", _("Other")

    class Review(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", _("Published")
        REJECTED = "rejected", _("Rejected")
        UNPUBLISHED = "unpublished", _("Unpublished")

    class OcopLevel(models.TextChoices):
        PROVINCE = "province", _("Province")
        CENTRAL = "central", _("Central")

    TRANSITIONS = {
        Review.DRAFT: {Review.PENDING},
        Review.PENDING: {Review.APPROVED, Review.REJECTED, Review.DRAFT},
        Review.APPROVED: {Review.UNPUBLISHED, Review.DRAFT},
        Review.REJECTED: {Review.DRAFT, Review.PENDING},
        Review.UNPUBLISHED: {Review.DRAFT, Review.PENDING, Review.APPROVED},
    }
    # The moderator's button for each target state, and for (from, to) where it reads better.
    DECISION_LABELS = {
        Review.APPROVED: _("Approve and publish"),
        Review.REJECTED: _("Reject"),
        Review.UNPUBLISHED: _("Unpublish"),
        (Review.UNPUBLISHED, Review.APPROVED): _("Publish again"),
    }
    OCOP_STARS = [(3, "3"), (4, "4"), (5, "5")]

    producer = models.ForeignKey(
        Producer, verbose_name=_("producer"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("product name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    gtin = models.CharField(
        _("GTIN"),
        max_length=14,
        blank=True,
        validators=[validate_gtin],
        help_text=_("The barcode number on the pack (8, 12, 13 or 14 digits), if it has one."),
    )
    category = models.CharField(_("category"), max_length=16, choices=Category, db_index=True)
    # Empty only while a new draft has just its name: the listing form asks for it next.
    price = models.PositiveIntegerField(
        _("price (VND)"),
        null=True,
        validators=[
            MinValueValidator(1, _("The price must be at least 1 ₫.")),
            MaxValueValidator(MAX_PRICE_VND, _("The price cannot be more than 1.000.000.000 ₫.")),
        ],
    )
    unit = models.CharField(
        _("unit or pack size"), max_length=60, help_text=_("For example: gói 200 g, hũ 500 ml.")
    )
    quantity_available = models.PositiveIntegerField(_("quantity available"), default=0)
    # Empty only on drafts: a listing is sent for review with the parcel weight of one unit.
    shipping_weight_grams = models.PositiveIntegerField(
        _("shipping weight per unit (g)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, _("The weight must be at least 1 g.")),
            MaxValueValidator(30_000, _("One unit cannot weigh more than 30 kg by post.")),
        ],
        help_text=_("Packed weight of one unit, in grams: for example 250 for a 200 g pack."),
    )
    description = models.TextField(_("short description"), max_length=1000, blank=True)
    growing_area = models.ForeignKey(
        "growing_areas.GrowingArea",
        verbose_name=_("growing area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    # Name, producer and unit without diacritics, lower-case: what ?q= searches.
    search_text = models.TextField(editable=False, default="")
    review_state = models.CharField(
        _("review state"), max_length=16, choices=Review, default=Review.DRAFT, db_index=True
    )
    rejection_reason = models.TextField(_("reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # When a moderator last approved it; cleared when one rejects or unpublishes it.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    ocop_stars = models.PositiveSmallIntegerField(
        _("OCOP stars"), choices=OCOP_STARS, null=True, blank=True
    )
    ocop_decision_number = models.CharField(_("OCOP decision number"), max_length=60, blank=True)
    ocop_decision_date = models.DateField(
        _("OCOP decision date"), null=True, blank=True, validators=[validate_not_future]
    )
    ocop_level = models.CharField(
        _("OCOP issuing level"), max_length=16, choices=OcopLevel, blank=True
    )
    # A private file (config.storage): the farmer's, their consented helper's and the
    # moderators', handed out only by marketplace.views.ocop_certificate. Uploads go through
    # marketplace.photos.clean_document (a real PDF, or a picture re-encoded without EXIF).
    ocop_certificate = models.FileField(
        _("OCOP certificate photo"),
        upload_to="ocop/",
        storage=private_storage,
        blank=True,
        max_length=200,
        validators=[FileExtensionValidator(CERTIFICATE_EXTENSIONS)],
    )
    # The decision date we last warned about, so the expiry warning goes out once.
    ocop_expiry_warned_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The one-time token of the new-listing form that created it: a repeated submit finds it.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["review_state", "-published_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["gtin"],
                condition=~models.Q(gtin=""),
                name="unique_product_gtin",
                violation_error_message=_("Another product already uses this GTIN."),
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join([self.name, self.producer.name, self.unit]))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{catalog_url()}{self.slug}/"

    def clean(self):
        super().clean()
        errors = implausible_dates(self, "ocop_decision_date")
        ocop_fields = [self.ocop_stars, self.ocop_decision_number, self.ocop_decision_date]
        if any(ocop_fields) and not all(ocop_fields):
            errors[NON_FIELD_ERRORS] = _(
                "For an OCOP product give the stars, the decision number and its date."
            )
        elif self.ocop_stars and not self.ocop_level:
            errors["ocop_level"] = _("Choose who issued the OCOP decision.")
        owner = self.gtin_owner()
        if owner is not None:
            errors["gtin"] = _("The product “%(name)s” already uses this GTIN.") % {
                "name": owner.name
            }
        if errors:
            raise ValidationError(errors)

    def gtin_owner(self):
        """Another product already holding this GTIN, in any of its written forms, or None.
        The unique constraint sees only identical digits: 0893… and 893… are one GTIN."""
        if not self.gtin or not has_valid_check_digit(self.gtin):
            return None
        return (
            Product.objects.filter(gtin__in=gtin_forms(self.gtin))
            .exclude(pk=self.pk)
            .only("name")
            .first()
        )

    @classmethod
    def decisions(cls, state):
        """The moderator's choices for a listing in ``state``: (target, label) for each
        transition TRANSITIONS allows that is a moderator's decision (not the farmer's)."""
        return decisions_from(cls.TRANSITIONS, cls.DECISION_LABELS, cls.Review(state))

    def transition(self, target, reason=""):
        """Move to ``target`` review state or raise InvalidTransition; not saved."""
        target = self.Review(target)
        if target not in self.TRANSITIONS[self.Review(self.review_state)]:
            raise InvalidTransition(
                _("A listing cannot go from “%(old)s” to “%(new)s”.")
                % {"old": self.get_review_state_display(), "new": target.label}
            )
        if target == self.Review.PENDING:
            self.submitted_at = timezone.now()
        if target == self.Review.APPROVED:
            self.published_at = timezone.now()
        if target in {self.Review.REJECTED, self.Review.UNPUBLISHED}:
            self.published_at = None
        self.rejection_reason = (
            reason if target in {self.Review.REJECTED, self.Review.UNPUBLISHED} else ""
        )
        self.review_state = target

    @property
    def is_public(self):
        """The one listing's answer to ``Product.objects.public()``."""
        return self.review_state == self.Review.APPROVED and self.producer.is_verified

    @property
    def has_been_approved(self):
        """The moderators' last word on the listing is approval: published now, or published
        and since edited by the farmer and waiting for a new review. A listing never approved,
        or rejected or taken off sale since, is not."""
        return self.review_state == self.Review.APPROVED or self.published_at is not None

    @property
    def is_editable(self):
        return self.review_state != self.Review.PENDING

    @property
    def ocop_valid_until(self):
        """The last day the OCOP certificate is valid, or None without a certificate."""
        if not (self.ocop_stars and self.ocop_decision_date):
            return None
        return ocop_last_valid_day(self.ocop_decision_date)

    @property
    def ocop_certificate_path(self):
        """Where the certificate is handed out after the access check (no public URL)."""
        name = self.ocop_certificate.name.rsplit("/", 1)[-1]
        return reverse("marketplace:ocop_certificate", kwargs={"pk": self.pk, "name": name})

    def ocop_is_valid(self, today=None):
        """The one listing's answer to ``Product.objects.ocop_valid(today)``."""
        until = self.ocop_valid_until
        return bool(until and (today or timezone.localdate()) <= until)

    @property
    def ocop_valid(self):
        """Checked each time a page is shown, so the badge disappears on time by itself."""
        return self.ocop_is_valid()


class ProductPhoto(models.Model):
    """One of a product's 1–5 photos, in the order the farmer gave them."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey(get_image_model_string(), on_delete=models.CASCADE, related_name="+")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return f"{self.product} #{self.sort_order}"


class ListingEvent(AuditRecord):
    """The audit trail of producers and listings: who did what, for which producer.
    Append-only; the farmer reads it as their history."""

    class Action(models.TextChoices):
        PRODUCER_CREATED = "producer_created", _("Producer profile created")
        PRODUCER_VERIFIED = "producer_verified", _("Producer verified")
        PRODUCER_SUSPENDED = "producer_suspended", _("Producer suspended")
        PRODUCER_EDITED = "producer_edited", _("Producer profile edited")
        CREATED = "created", _("Listing created")
        EDITED = "edited", _("Listing edited")
        STOCK_UPDATED = "stock_updated", _("Quantity available updated")
        PHOTO_ADDED = "photo_added", _("Photo added")
        PHOTO_REMOVED = "photo_removed", _("Photo removed")
        SUBMITTED = "submitted", _("Sent for review")
        APPROVED = "approved", _("Approved and published")
        REJECTED = "rejected", _("Rejected")
        UNPUBLISHED = "unpublished", _("Unpublished")
        OCOP_EXPIRY_WARNED = "ocop_expiry_warned", _("OCOP expiry warning sent")
        CONSENT_REQUESTED = "consent_requested", _("Helper asked for consent")
        CONSENT_GRANTED = "consent_granted", _("Consent given to the commune's helpers")
        CONSENT_REFUSED = "consent_refused", _("Consent refused")

    producer = models.ForeignKey(
        Producer, verbose_name=_("for"), on_delete=models.PROTECT, related_name="events"
    )
    # A deleted draft leaves its history with the producer.
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=24, choices=Action)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("listing event")
        verbose_name_plural = _("listing history")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.producer}"


CATALOG_URL_CACHE_KEY = "marketplace:catalog-url"
# Receivers forget the cached address when pages change; on a per-process cache (no
# CACHE_URL) other processes learn it when this runs out.
CATALOG_URL_CACHE_SECONDS = 300


def catalog_url():
    """The catalogue page's address ("/san-pham/", also before the page exists), from the
    cache: product URLs in lists cost no query."""
    url = cache.get(CATALOG_URL_CACHE_KEY)
    if url is None:
        page = CatalogPage.objects.live().first()
        url = (page.url if page else None) or "/san-pham/"
        cache.set(CATALOG_URL_CACHE_KEY, url, CATALOG_URL_CACHE_SECONDS)
    return url


def forget_catalog_url():
    cache.delete(CATALOG_URL_CACHE_KEY)


class CatalogPage(RoutablePageMixin, Page):
    """The public catalogue at /san-pham/ and each product's page below it."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["marketplace.HomePage"]
    subpage_types: list = []
    max_count = 1

    class Meta:
        verbose_name = _("catalogue page")

    @path("")
    def catalogue(self, request):
        from .views import catalogue

        return catalogue(request, self)

    @path("<slug:slug>/")
    def product(self, request, slug):
        from .views import product_detail

        return product_detail(request, self, slug)


# Carts, orders and payments live in their own module; re-exported so Django finds them here.
from .order_models import (  # noqa: E402, F401
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentMethod,
    SellerOrder,
    ShippingSettings,
    TransferIssue,
    WebhookEvent,
)
