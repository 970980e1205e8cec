"""Operations on producers and listings that change several rows. Views, the admin, tasks and
commands call these; each runs in one transaction, so nothing is half-saved."""

from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unidecode import unidecode

from accounts.notifications import notify, notify_role
from accounts.roles import Role
from accounts.services import grant_role
from config.storage import atomic_removing_files_on_failure

# who may act for whom lives in access.py; these names stay importable from here
from .models import (
    MAX_PHOTOS,
    MAX_QUANTITY,
    InvalidTransition,
    ListingEvent,
    Producer,
    Product,
    ProductPhoto,
)
from .photos import (
    clean_document,
    clean_photo,
    store_document,
    store_photo,
)

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
    """Verify or suspend a producer and tell its members. The producer is read again under a
    row lock: of two moderators deciding at once, the second sees the first's decision and
    gets InvalidTransition when it no longer applies."""
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    producer.transition(target, note)
    producer.save(update_fields=["verification", "verification_note", "verified_at", "updated_at"])
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


def copy_changes(edited, fresh, field_names):
    """Put the values a person changed on ``edited`` (the instance their form filled) onto
    ``fresh`` (the row read again under lock), so what others saved meanwhile stays."""
    for name in field_names:
        field = type(fresh)._meta.get_field(name)
        setattr(fresh, field.attname, getattr(edited, field.attname))


def update_producer_profile(producer, actor, changed_fields, photo_upload=None):
    """Save the profile a farmer or their helper edited; a new photo replaces the old one.
    Only the changed fields are written, onto the row read again under lock, so a
    verification decided meanwhile is kept. A refused photo stores nothing; a save that fails
    leaves no stored photo behind."""
    photo = clean_photo(photo_upload) if photo_upload is not None else None
    if photo is None and not changed_fields:
        return producer
    with atomic_removing_files_on_failure() as stored:
        fresh = Producer.objects.select_for_update().get(pk=producer.pk)
        copy_changes(producer, fresh, changed_fields)
        if photo is not None:
            fresh.photo = store_photo(photo, fresh.name)
            stored.append(fresh.photo)
            changed_fields = [*changed_fields, "photo"]
        fresh.save(update_fields=[*changed_fields, "updated_at"])
        if "name" in changed_fields:
            sync_search_text(fresh)
        labels = [str(Producer._meta.get_field(name).verbose_name) for name in changed_fields]
        record(fresh, Action.PRODUCER_EDITED, actor=actor, note=", ".join(labels))
    return fresh


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


# What a review-state change writes (Product.transition sets these).
REVIEW_FIELDS = ["review_state", "rejection_reason", "submitted_at", "published_at", "updated_at"]
# Lock the listing's row only, not its producer's: a producer rename then locks the producer
# and its listings in that order, and the two never wait for each other in a circle.
LISTING_ROW = ("self",)
# The form checks the OCOP fields together, so they are written together.
OCOP_FIELDS = {"ocop_stars", "ocop_decision_number", "ocop_decision_date", "ocop_level"}


def _lock_editable(pk):
    """The listing read again under a row lock (call inside a transaction), or
    InvalidTransition when it was sent for review meanwhile: it is not editable then."""
    product = (
        Product.objects.select_for_update(of=LISTING_ROW).select_related("producer").get(pk=pk)
    )
    if not product.is_editable:
        raise InvalidTransition(_("This listing is being reviewed; wait for the answer."))
    return product


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
    """Save a listing the farmer (or a helper) edited; ``changed_fields`` names what changed
    on ``product``. The row is read again under lock: a listing sent for review meanwhile is
    refused (InvalidTransition), and only the changed fields are written, so another edit
    saved meanwhile stays. ``certificate_upload`` is a new photo or PDF of the OCOP
    certificate: checked before anything is saved, stored as a private file (a storage that
    cannot be written to saves nothing and says so in Vietnamese), removed again if the save
    fails; the certificate it replaces is deleted once the new one is committed."""
    certificate = clean_document(certificate_upload) if certificate_upload is not None else None
    if certificate is None and not changed_fields:
        return product
    with atomic_removing_files_on_failure() as stored:
        fresh = _lock_editable(product.pk)
        written = set(changed_fields)
        if written & OCOP_FIELDS:
            written |= OCOP_FIELDS
        copy_changes(product, fresh, written)
        if certificate is not None:
            replaced = fresh.ocop_certificate.name
            # appended once stored: the field still names the old certificate until then
            stored.append(store_document(certificate, fresh.ocop_certificate))
            if replaced:
                transaction.on_commit(partial(fresh.ocop_certificate.storage.delete, replaced))
            changed_fields = [*changed_fields, "ocop_certificate"]
            written.add("ocop_certificate")
        _send_back_to_draft(fresh)
        fresh.save(update_fields=[*written, *REVIEW_FIELDS])
        labels = [str(Product._meta.get_field(name).verbose_name) for name in changed_fields]
        record(fresh.producer, Action.EDITED, actor=actor, product=fresh, note=", ".join(labels))
    return fresh


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
    product = (
        Product.objects.select_for_update(of=LISTING_ROW)
        .select_related("producer")
        .get(pk=product.pk)
    )
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
        product = _lock_editable(product.pk)
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
        product.save(update_fields=REVIEW_FIELDS)
        record(
            product.producer,
            Action.PHOTO_ADDED,
            actor=actor,
            product=product,
            note=str(len(photos)),
        )
    return photos  # store_photo queued their renditions


@transaction.atomic
def make_main_photo(photo, actor):
    """Put ``photo`` first: the catalogue shows the first photo. The listing stays as it is,
    since no content changed."""
    product = _lock_editable(photo.product_id)
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
    """Remove one photo of a listing, which then needs a new review. The listing is read
    again under lock (refused if it was sent for review meanwhile); a photo another request
    removed already is not removed twice."""
    product = _lock_editable(photo.product_id)
    photo = ProductPhoto.objects.select_related("image").filter(pk=photo.pk).first()
    if photo is None:
        return product
    image = photo.image
    photo.delete()
    image.delete()
    _send_back_to_draft(product)
    product.save(update_fields=REVIEW_FIELDS)
    record(product.producer, Action.PHOTO_REMOVED, actor=actor, product=product)
    return product


@transaction.atomic
def submit_for_review(product, actor):
    """Send a draft to the moderators. It needs a price, a unit, a shipping weight and at
    least one photo."""
    product = (
        Product.objects.select_for_update(of=LISTING_ROW)
        .select_related("producer")
        .get(pk=product.pk)
    )
    if not product.price or not product.unit:
        raise ValidationError(_("Write the price and the unit before sending for review."))
    if not product.shipping_weight_grams:
        raise ValidationError(
            _("Write the shipping weight of one unit before sending for review."),
            code="weight",
        )
    if not product.photos.exists():
        raise ValidationError(_("Add at least one photo before sending the product for review."))
    product.transition(Product.Review.PENDING)
    product.save(update_fields=REVIEW_FIELDS)
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
    Rejecting and unpublishing need a reason the farmer can act on. The listing is read again
    under a row lock: of two moderators deciding at once, the second sees the first's decision
    and gets InvalidTransition when it no longer applies."""
    target = Product.Review(target)
    if target not in REVIEW_MESSAGES:
        raise InvalidTransition(_("Moderators approve, reject or unpublish listings."))
    reason = (reason or "").strip()
    if target != Product.Review.APPROVED and not reason:
        raise ValidationError(_("Write the reason, so the farmer knows what to change."))
    product = (
        Product.objects.select_for_update(of=LISTING_ROW)
        .select_related("producer")
        .get(pk=product.pk)
    )
    product.transition(target, reason)
    product.save(update_fields=REVIEW_FIELDS)
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
    today = today or timezone.localdate()
    ending = Product.objects.ocop_ending_within(OCOP_WARNING_DAYS, today).exclude(
        review_state=Product.Review.DRAFT, submitted_at__isnull=True
    )
    warned = 0
    for pk in list(ending.values_list("pk", flat=True)):
        with transaction.atomic():
            product = (
                ending.select_for_update(of=LISTING_ROW)
                .select_related("producer")
                .filter(pk=pk)
                .first()
            )
            if product is None or product.ocop_expiry_warned_for == product.ocop_decision_date:
                continue
            until = product.ocop_valid_until
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


# --- The farmer's consent to the commune's helpers -----------------------------------------

CONSENT_ACTIONS = (Action.CONSENT_REQUESTED, Action.CONSENT_GRANTED, Action.CONSENT_REFUSED)


def pending_consent_request(producer):
    """The helper's request still awaiting the farmer's answer (a ListingEvent), or None."""
    if producer.consent_at is not None:
        return None
    last = (
        producer.events.filter(action__in=CONSENT_ACTIONS)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    return last if last and last.action == Action.CONSENT_REQUESTED else None


@transaction.atomic
def request_consent(producer, helper):
    """A helper of the farmer's commune asks to act for them: recorded in the history and sent
    to the farmer, who answers on their seller desk. Refused when consent is already given or
    a request is still waiting."""
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    if producer.consent_at is not None:
        raise ValidationError(_("%(name)s has already given consent.") % {"name": producer.name})
    if pending_consent_request(producer) is not None:
        raise ValidationError(
            _("%(name)s has not answered the last request yet.") % {"name": producer.name}
        )
    event = record(producer, Action.CONSENT_REQUESTED, actor=helper)
    with site_language():
        subject = str(_("A community helper asks to help you sell"))
        body = str(
            _(
                "%(helper)s, community helper of your commune, asks to list and manage products "
                "for %(name)s. Open your seller desk to agree or refuse."
            )
        ) % {"helper": helper.full_name or helper.phone, "name": producer.name}
        for member in producer.members.all():
            notify(member, subject, body)
    return event


@transaction.atomic
def answer_consent(producer, farmer, grant):
    """The farmer agrees (the commune's helpers may act for them from now on) or refuses the
    waiting request; the answer is recorded and the helper who asked is told."""
    producer = Producer.objects.select_for_update().get(pk=producer.pk)
    request = pending_consent_request(producer)
    if request is None:
        raise ValidationError(_("No request for consent is waiting."))
    if grant:
        producer.consent_method = Producer.Consent.ON_DESK
        producer.consent_at = timezone.now()
        producer.save(update_fields=["consent_method", "consent_at", "updated_at"])
    event = record(
        producer, Action.CONSENT_GRANTED if grant else Action.CONSENT_REFUSED, actor=farmer
    )
    if request.actor is not None:
        with site_language():
            if grant:
                subject = str(_("%(name)s agreed to your help")) % {"name": producer.name}
            else:
                subject = str(_("%(name)s refused your help")) % {"name": producer.name}
            notify(request.actor, subject, subject)
    return event


@transaction.atomic
def approve_and_verify(product, moderator, reason=""):
    """Verify the listing's producer and approve the listing as one decision: two rows in the
    history, and neither is saved if the other is refused."""
    review_producer(product.producer, moderator, Producer.Verification.VERIFIED, reason)
    return review_listing(product, moderator, Product.Review.APPROVED, reason)
