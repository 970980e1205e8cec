"""Order pages: the farmer's parcels on the seller desk, the buyer's tracking page (through
its secret link) and the buyer's list of orders. Only ``urls.py`` imports this module."""

from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import get_for_actor, scoped

from . import access, parcels, tracking
from .checkout import set_seller_order_status
from .models import InvalidTransition, Order, Producer, SellerOrder

PARCELS_PER_PAGE = 20
ORDERS_PER_PAGE = 20


# --- The seller desk's parcels ----------------------------------------------------------------


def _tab(value):
    return value if value in parcels.TABS else parcels.TO_PACK


@login_required
def seller_orders(request):
    """/ban-hang/don-hang/: per parcel what to pack, for whom, the cash the post office
    collects and the farmer's buttons; one tab per stage. ``?nong-dan=<slug>`` narrows it to
    one producer (a helper acting for several)."""
    producer = None
    if slug := request.GET.get("nong-dan"):
        producer = get_for_actor(request.user, Producer, slug=slug)
    tab = _tab(request.GET.get("nhom"))
    mine = parcels.desk_parcels(request.user, producer)
    counts = parcels.tab_counts(mine)
    page_obj = Paginator(parcels.in_tab(mine, tab), PARCELS_PER_PAGE).get_page(
        request.GET.get("trang")
    )
    for parcel in page_obj:
        parcel.shows_contact = parcels.shows_buyer_contact(parcel)
    query = {"nhom": tab} | ({"nong-dan": producer.slug} if producer else {})
    return render(
        request,
        "marketplace/seller_orders.html",
        {
            "producer": producer,
            "tab": tab,
            "tabs": [
                {"slug": slug, "label": label, "count": counts[slug]}
                for slug, (label, _statuses, _newest) in parcels.TABS.items()
            ],
            "page_obj": page_obj,
            "query": "&".join(f"{key}={value}" for key, value in query.items()),
            # helpers and moderators see parcels of several producers: say whose each is
            "show_producer": bool(access.served_communes(request.user))
            or access.is_moderator(request.user),
        },
    )


@login_required
@require_POST
def seller_order_step(request, pk):
    """A farmer's button on one parcel (mark packed, not packed yet)."""
    parcel = get_for_actor(request.user, SellerOrder, related=("order",), pk=pk)
    steps = dict(parcel.farmer_steps())
    target = request.POST.get("buoc")
    if target not in steps:
        messages.error(request, _("This step is not possible for this parcel now."))
    else:
        try:
            set_seller_order_status(parcel, target, actor=request.user)
        except InvalidTransition as error:  # the post office took it meanwhile
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Order %(number)s: %(status)s.")
                % {"number": parcel.order.number, "status": SellerOrder.Status(target).label},
            )
    url = reverse("marketplace:seller_orders")
    query = f"?nhom={_tab(request.POST.get('nhom'))}"
    if slug := request.POST.get("nong-dan"):
        query += f"&nong-dan={slug}"
    return redirect(f"{url}{query}#don-{parcel.pk}")


# --- The buyer's tracking page ----------------------------------------------------------------


def behind_secret_link(view):
    """Pages whose address holds a secret: never cached by anyone but the browser's own
    memory, never sent on as a referrer, never indexed."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


class AccountForm(forms.Form):
    """A guest buyer's password for an account on the order's phone number."""

    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            raise ValidationError(_("The two passwords differ."), code="mismatch")
        if first:
            from accounts.models import User

            user = User(phone=self.order.buyer_phone, full_name=self.order.buyer_name)
            password_validation.validate_password(first, user)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you cancel?"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Say why you cancel the order.")},
    )


def _tracking_page(request, order, form=None, status=200, account_form=None):
    parcels_of_order = list(order.seller_orders.all())
    refusal = tracking.cancel_refusal(order, request.user, [p.status for p in parcels_of_order])
    return render(
        request,
        "marketplace/order_tracking.html",
        {
            "order": order,
            "parcels": parcels_of_order,
            "timeline": tracking.timeline(order),
            "pay_url": tracking.pay_url(order),
            "just_placed": request.GET.get(tracking.JUST_PLACED) == "1",
            "phone": tracking.masked_phone(order.buyer_phone_display),
            "is_open": order.status in tracking.BUYER_CANCELS_ORDERS,
            "cancel_refusal": refusal,
            "cancel_form": form or CancelForm(),
            "account_offer": tracking.account_offer(request, order),
            "account_form": account_form or AccountForm(order=order),
            "login_url": f"{reverse('accounts:login')}?{urlencode({'next': request.path})}",
        },
        status=status,
    )


def _order_or_404(request, token):
    order = tracking.order_for_token(token)
    if order is None:
        return None, render(request, "404.html", status=404)
    return order, None


@behind_secret_link
def order_tracking(request, token):
    """/don-hang/<token>/: the order's number, status, timeline, lines, totals and payment,
    for whoever holds the link (the buyer), with no account."""
    order, missing = _order_or_404(request, token)
    return missing or _tracking_page(request, order)


@behind_secret_link
@require_POST
def order_cancel(request, token):
    """The buyer's "Huỷ đơn", with a short reason."""
    order, missing = _order_or_404(request, token)
    if missing:
        return missing
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            tracking.cancel_by_buyer(order, request.user, form.cleaned_data["reason"])
        except ValidationError as error:  # the rule refused it, or the order moved meanwhile
            form.add_error(None, error)
        else:
            messages.success(request, _("Your order is cancelled."))
            return redirect(order.get_absolute_url())
    order = tracking.order_for_token(token)  # as it is now
    return _tracking_page(request, order, form=form, status=400)


@behind_secret_link
@require_POST
def order_account(request, token):
    """A guest buyer, right after placing, makes an account on the order's phone number with
    a password: the order becomes theirs and they are logged in."""
    order, missing = _order_or_404(request, token)
    if missing:
        return missing
    if tracking.account_offer(request, order) != "create":
        raise PermissionDenied
    form = AccountForm(request.POST, order=order)
    if form.is_valid():
        try:
            user = tracking.create_buyer_account(order, form.cleaned_data["password1"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="accounts.backends.PhoneBackend")
            messages.success(request, _("Your account is made: your orders are kept in it."))
            return redirect(order.get_absolute_url())
    return _tracking_page(request, order, status=400, account_form=form)


# --- The buyer's own orders -------------------------------------------------------------------


@login_required
def my_orders(request):
    """/tai-khoan/don-hang/: the orders placed from this account, newest first."""
    orders = scoped(request.user, Order, access.BOUGHT).order_by("-created_at", "-pk")
    page_obj = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("trang"))
    return render(request, "marketplace/my_orders.html", {"page_obj": page_obj})
