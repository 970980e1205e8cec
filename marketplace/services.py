"""Operations on producers and listings that change several rows. Views, the admin, tasks and
commands call these; each runs in one transaction, so nothing is half-saved."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unidecode import unidecode

from accounts.notifications import notify, notify_role
from accounts.roles import Role
from accounts.services import grant_role

from .models import (
    MAX_PHOTOS,
    MAX_QUANTITY,
    HelperCommune,
    InvalidTransition,
    ListingEvent,
    Producer,
    Product,
    ProductPhoto,
)
from .photos import atomic_removing_files_on_failure, clean_photo, store_photo

OCOP_WARNING_DAYS = 60

Action = ListingEvent.Action


def site_language():
    """Messages to farmers and notes in their history are written in the site's language
    (Vietnamese), whatever language the person acting uses."""
    return translation.override(settings.LANGUAGE_CODE)


def unique_slug(model, text, exclude_pk=None):
    """A URL slug from ``text`` (diacritics removed) that no other row of ``model`` uses."""
    base = slugify(unidecode(text))[:120] or "san-pham"
    slug, number = base, 1
    others = model.objects.exclude(pk=exclude_pk)
    while others.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def record(producer, action, actor=None, product=None, note=""):
    return ListingEvent.objects.create(
        producer=producer, product=product, actor=actor, action=action, note=note
    )


# --- Who may act for whom -------------------------------------------------------------------


def is_moderator(user):
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.MODERATOR))


def served_communes(user):
    """The commune codes a community helper serves (empty for anyone else)."""
    if not user.is_authenticated or not user.has_role(Role.COMMUNITY_HELPER):
        return set()
    if not hasattr(user, "_served_communes"):
        user._served_communes = set(
            HelperCommune.objects.filter(helper=user).values_list("commune_code", flat=True)
        )
    return user._served_communes


def producers_for(user):
    """The producers ``user`` may act for: their own, and for a helper those of the communes
    they serve. Moderators work in the admin, so they get every producer here too."""
    if not user.is_authenticated:
        return Producer.objects.none()
    if is_moderator(user):
        return Producer.objects.all()
    condition = Q(members=user)
    communes = served_communes(user)
    if communes:
        condition |= Q(commune_code__in=communes)
    return Producer.objects.filter(condition).distinct()


def can_act_for(user, producer):
    if not user.is_authenticated:
        return False
    if is_moderator(user) or producer.commune_code in served_communes(user):
        return True
    return producer.members.filter(pk=user.pk).exists()


# --- Producers ------------------------------------------------------------------------------


def form_already_used():
    """A one-time form token came back with other data (the page was reused for something
    else): the person opens the form again rather than getting someone else's row."""
    return ValidationError(
        _("This form was already sent once. Open the page again to start a new one."),
        code="token_used",
    )


def register_farmer(
    *,
    phone,
    password,
    full_name,
    province_code,
    commune_code,
    village="",
    producer_name="",
    kind=Producer.Kind.HOUSEHOLD,
    onboarded_by=None,
    consent_method="",
    submission_token=None,
):
    """Create the farmer's account (producer role) and their producer profile, awaiting
    verification. With ``onboarded_by`` the helper and the farmer's consent are recorded.

    The sign-up form's one-time ``submission_token`` is kept on the producer: the same form
    sent again (with the same phone and password) returns the account the first one made.
    A phone number that already has an account raises ValidationError, never IntegrityError,
    even when two submits race."""
    earlier = _earlier_signup(submission_token, phone, password)
    if earlier is not None:
        return earlier
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _create_farmer(
                    phone=phone,
                    password=password,
                    full_name=full_name,
                    province_code=province_code,
                    commune_code=commune_code,
                    village=village,
                    producer_name=producer_name,
                    kind=kind,
                    onboarded_by=onboarded_by,
                    consent_method=consent_method,
                    submission_token=submission_token,
                )
        except IntegrityError:
            # A twin submit, or another form with the same phone, was saved first.
            earlier = _earlier_signup(submission_token, phone, password)
            if earlier is not None:
                return earlier
            if get_user_model().objects.filter(phone=phone).exists():
                raise ValidationError(
                    {"phone": _("An account with this phone number already exists.")},
                    code="unique",
                ) from None
            # else another farmer of the same name took the producer's slug: pick again
    raise ValidationError(_("The account could not be created; send the form again."))


def _earlier_signup(submission_token, phone, password):
    """(user, producer) the sign-up form with this token already made, or None. Another
    phone or password under the same token is refused: the token alone logs nobody in."""
    if not submission_token:
        return None
    producer = Producer.objects.filter(submission_token=submission_token).first()
    if producer is None:
        return None
    user = producer.members.filter(phone=phone).first()
    if user is None or not user.check_password(password):
        raise form_already_used()
    return user, producer


def _create_farmer(
    *,
    phone,
    password,
    full_name,
    province_code,
    commune_code,
    village,
    producer_name,
    kind,
    onboarded_by,
    consent_method,
    submission_token,
):
    user = get_user_model().objects.create_user(phone, password, full_name=full_name)
    grant_role(user, Role.PRODUCER)
    name = producer_name or full_name
    producer = Producer.objects.create(
        kind=kind,
        name=name,
        slug=unique_slug(Producer, name),
        phone=user.phone,
        province_code=province_code,
        commune_code=commune_code,
        village=village,
        onboarded_by=onboarded_by,
        consent_method=consent_method if onboarded_by else "",
        consent_at=timezone.now() if onboarded_by else None,
        submission_token=submission_token,
    )
    producer.members.add(user)
    with site_language():
        note = ""
        if onboarded_by:
            note = _("Consent: %(method)s") % {"method": producer.get_consent_method_display()}
        record(producer, Action.PRODUCER_CREATED, actor=onboarded_by or user, note=note)
        notify_role(
            Role.MODERATOR,
            _("New producer to verify"),
            _("%(name)s signed up and awaits verification.") % {"name": name},
        )
    return user, producer


@transaction.atomic
def review_producer(producer, moderator, target, note=""):
    """Verify or suspend a producer and tell its members."""
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    producer.transition(target, note)
    producer.save()
    action = (
        Action.PRODUCER_VERIFIED
        if producer.verification == Producer.Verification.VERIFIED
        else Action.PRODUCER_SUSPENDED
    )
    record(producer, action, actor=moderator, note=note)
    with site_language():
        if action == Action.PRODUCER_VERIFIED:
            subject = _("Your producer profile is verified")
            body = _("%(name)s is verified: your approved products are now on sale.")
        else:
            subject = _("Your producer profile is suspended")
            body = _("%(name)s is suspended; your products are hidden. Reason: %(note)s")
        for member in producer.members.all():
            notify(member, subject, body % {"name": producer.name, "note": note})
    return producer


def update_producer_profile(producer, actor, changed_fields, photo_upload=None):
    """Save the profile a farmer or their helper edited; a new photo replaces the old one.
    A refused photo stores nothing; a save that fails leaves no stored photo behind."""
    photo = clean_photo(photo_upload) if photo_upload is not None else None
    if photo is None and not changed_fields:
        return producer
    with atomic_removing_files_on_failure() as stored:
        if photo is not None:
            producer.photo = store_photo(photo, producer.name)
            stored.append(producer.photo)
            changed_fields = [*changed_fields, "photo"]
        producer.save()
        if "name" in changed_fields:
            sync_search_text(producer)
        labels = [str(Producer._meta.get_field(name).verbose_name) for name in changed_fields]
        record(producer, Action.PRODUCER_EDITED, actor=actor, note=", ".join(labels))
    return producer


def sync_search_text(producer):
    """Products are found by their producer's name too: refresh them after a rename."""
    for product in producer.products.all():
        product.producer = producer
        product.save(update_fields=["search_text"])


# --- Listings -------------------------------------------------------------------------------


def _send_back_to_draft(product):
    """An edit to a published or rejected listing needs a new review before it shows."""
    if product.review_state in {
        Product.Review.APPROVED,
        Product.Review.REJECTED,
        Product.Review.UNPUBLISHED,
    }:
        product.transition(Product.Review.DRAFT)


@transaction.atomic
def create_listing(producer, actor, submission_token=None, **fields):
    """Create a draft listing. The new-listing form's one-time ``submission_token`` is kept on
    it: the same form sent again returns this draft instead of making a second one."""
    # One new listing per producer at a time: a twin submit waits here, then finds the first.
    Producer.objects.select_for_update().get(pk=producer.pk)
    if submission_token:
        earlier = Product.objects.filter(submission_token=submission_token).first()
        if earlier is not None:
            if earlier.producer_id != producer.pk:
                raise form_already_used()
            return earlier
    for _attempt in range(3):
        product = Product(producer=producer, submission_token=submission_token, **fields)
        product.slug = unique_slug(Product, f"{product.name} {producer.name}")
        try:
            with transaction.atomic():
                product.save()
        except IntegrityError:
            continue  # another producer's listing took the same slug meanwhile: pick again
        record(producer, Action.CREATED, actor=actor, product=product, note=product.name)
        return product
    raise ValidationError(_("The listing could not be saved; send it again."), code="slug_taken")


def update_listing(product, actor, changed_fields, certificate_upload=None):
    """Save a listing the farmer (or a helper) edited; ``changed_fields`` names what changed.
    ``certificate_upload`` is a new photo of the OCOP certificate: checked before anything is
    saved, and its file removed again if the save fails."""
    certificate = clean_photo(certificate_upload) if certificate_upload is not None else None
    if certificate is None and not changed_fields:
        return product
    if product.review_state == Product.Review.PENDING:
        raise InvalidTransition(_("This listing is being reviewed; wait for the answer."))
    with atomic_removing_files_on_failure() as stored:
        if certificate is not None:
            product.ocop_certificate = store_photo(certificate, f"OCOP {product.name}")
            stored.append(product.ocop_certificate)
            changed_fields = [*changed_fields, "ocop_certificate"]
        _send_back_to_draft(product)
        product.save()
        labels = [str(Product._meta.get_field(name).verbose_name) for name in changed_fields]
        record(
            product.producer, Action.EDITED, actor=actor, product=product, note=", ".join(labels)
        )
    return product


@transaction.atomic
def update_stock(product, actor, quantity):
    """Set how many units are left for sale. Stock is not something moderators check, so the
    listing keeps its review state (a published one stays on sale); the history records the
    old and the new quantity."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError(_("Write the quantity as a whole number."), code="invalid")
    if quantity < 0:
        raise ValidationError(_("The quantity cannot be negative."), code="min_value")
    if quantity > MAX_QUANTITY:
        raise ValidationError(_("The quantity cannot be more than 1.000.000."), code="max_value")
    product = Product.objects.select_for_update().select_related("producer").get(pk=product.pk)
    old = product.quantity_available
    if quantity == old:
        return product
    product.quantity_available = quantity
    product.save(update_fields=["quantity_available", "updated_at"])
    record(
        product.producer,
        Action.STOCK_UPDATED,
        actor=actor,
        product=product,
        note=f"{old} → {quantity}",
    )
    return product


def add_photos(product, uploads, actor):
    """Store 1–5 photos for a listing, or none when one of them is refused or the save fails."""
    with atomic_removing_files_on_failure() as stored:
        product = Product.objects.select_for_update().get(pk=product.pk)
        existing = product.photos.count()
        if existing + len(uploads) > MAX_PHOTOS:
            raise ValidationError(
                _("A product has at most %(max)d photos; it has %(count)d already.")
                % {"max": MAX_PHOTOS, "count": existing},
                code="too_many",
            )
        # Check every photo before storing any, so a refused one leaves no stray file behind.
        cleaned = [clean_photo(upload) for upload in uploads]
        photos = []
        for position, clean in enumerate(cleaned, start=existing):
            image = store_photo(clean, product.name)
            stored.append(image)
            photos.append(
                ProductPhoto.objects.create(product=product, image=image, sort_order=position)
            )
        _send_back_to_draft(product)
        product.save()
        record(
            product.producer,
            Action.PHOTO_ADDED,
            actor=actor,
            product=product,
            note=str(len(photos)),
        )
        image_ids = [photo.image_id for photo in photos]
        transaction.on_commit(lambda: _make_renditions_later(image_ids))
    return photos


def _make_renditions_later(image_ids):
    from .tasks import make_renditions

    make_renditions.delay(image_ids)


@transaction.atomic
def make_main_photo(photo, actor):
    """Put ``photo`` first: the catalogue shows the first photo. The listing stays as it is,
    since no content changed."""
    product = Product.objects.select_for_update().get(pk=photo.product_id)
    ordered = sorted(product.photos.all(), key=lambda p: (p.pk != photo.pk, p.sort_order, p.pk))
    for position, item in enumerate(ordered):
        if item.sort_order != position:
            item.sort_order = position
            item.save(update_fields=["sort_order"])
    record(
        product.producer,
        Action.EDITED,
        actor=actor,
        product=product,
        note=_("main photo changed"),
    )


@transaction.atomic
def remove_photo(photo, actor):
    product = photo.product
    image = photo.image
    photo.delete()
    image.delete()
    _send_back_to_draft(product)
    product.save()
    record(product.producer, Action.PHOTO_REMOVED, actor=actor, product=product)


@transaction.atomic
def submit_for_review(product, actor):
    """Send a draft to the moderators. It needs at least one photo."""
    product = Product.objects.select_for_update().select_related("producer").get(pk=product.pk)
    if not product.price or not product.unit:
        raise ValidationError(_("Write the price and the unit before sending for review."))
    if not product.photos.exists():
        raise ValidationError(_("Add at least one photo before sending the product for review."))
    product.transition(Product.Review.PENDING)
    product.save()
    record(product.producer, Action.SUBMITTED, actor=actor, product=product)
    with site_language():
        notify_role(
            Role.MODERATOR,
            _("A listing awaits review"),
            _("“%(name)s” was sent for review.") % {"name": product.name},
        )
    return product


REVIEW_MESSAGES = {
    Product.Review.APPROVED: (
        Action.APPROVED,
        gettext_lazy("Your product is published"),
        gettext_lazy("“%(name)s” is approved and on sale."),
    ),
    Product.Review.REJECTED: (
        Action.REJECTED,
        gettext_lazy("Your product was not approved"),
        gettext_lazy(
            "“%(name)s” was not approved. Reason: %(reason)s. Correct it and send it again."
        ),
    ),
    Product.Review.UNPUBLISHED: (
        Action.UNPUBLISHED,
        gettext_lazy("Your product was taken off sale"),
        gettext_lazy("“%(name)s” was taken off sale. Reason: %(reason)s"),
    ),
}


@transaction.atomic
def review_listing(product, moderator, target, reason=""):
    """Approve, reject or unpublish a listing, record it and tell the producer's members.
    Rejecting and unpublishing need a reason the farmer can act on."""
    target = Product.Review(target)
    if target not in REVIEW_MESSAGES:
        raise InvalidTransition(_("Moderators approve, reject or unpublish listings."))
    reason = (reason or "").strip()
    if target != Product.Review.APPROVED and not reason:
        raise ValidationError(_("Write the reason, so the farmer knows what to change."))
    product = Product.objects.select_for_update().select_related("producer").get(pk=product.pk)
    product.transition(target, reason)
    product.save()
    action, subject, body = REVIEW_MESSAGES[target]
    record(product.producer, action, actor=moderator, product=product, note=reason)
    with site_language():
        text = str(body) % {"name": product.name, "reason": reason}
        for member in product.producer.members.all():
            notify(member, str(subject), text)
    return product


# --- OCOP expiry ----------------------------------------------------------------------------


def warn_expiring_ocop_certificates(today=None):
    """Tell producers whose OCOP certificate ends within 60 days. Each certificate (product
    and decision date) is warned about once, however often this runs. Returns the count."""
    from .models import OCOP_VALID_MONTHS, add_months

    today = today or timezone.localdate()
    # valid_until = decision_date + 36 months - 1 day, so the window on decision dates is:
    earliest = add_months(today, -OCOP_VALID_MONTHS) + datetime.timedelta(days=1)
    latest = add_months(today + datetime.timedelta(days=OCOP_WARNING_DAYS), -OCOP_VALID_MONTHS)
    candidates = (
        Product.objects.filter(
            ocop_stars__isnull=False,
            ocop_decision_date__gte=earliest,
            ocop_decision_date__lte=latest + datetime.timedelta(days=1),
        )
        .exclude(review_state=Product.Review.DRAFT, submitted_at__isnull=True)
        .values_list("pk", flat=True)
    )
    warned = 0
    for pk in list(candidates):
        with transaction.atomic():
            product = Product.objects.select_for_update().select_related("producer").get(pk=pk)
            until = product.ocop_valid_until
            if (
                until is None
                or not (today <= until <= today + datetime.timedelta(days=OCOP_WARNING_DAYS))
                or product.ocop_expiry_warned_for == product.ocop_decision_date
            ):
                continue
            product.ocop_expiry_warned_for = product.ocop_decision_date
            product.save(update_fields=["ocop_expiry_warned_for"])
            record(
                product.producer,
                Action.OCOP_EXPIRY_WARNED,
                product=product,
                note=until.strftime("%d/%m/%Y"),
            )
            with site_language():
                body = _(
                    "The OCOP certificate of “%(name)s” ends on %(date)s. Renew it and send "
                    "the new decision, or the OCOP badge disappears from your product page."
                ) % {"name": product.name, "date": until.strftime("%d/%m/%Y")}
                for member in product.producer.members.all():
                    notify(member, _("Your OCOP certificate ends soon"), body)
            warned += 1
    return warned
