from django.urls import path

from . import card_views, cart_views, checkout_views, order_views, transfer_views, views

app_name = "marketplace"

urlpatterns = [
    path("ban-hang/", views.desk, name="desk"),
    path("ban-hang/dang-ky/", views.signup, name="signup"),
    path("ban-hang/nong-dan/moi/", views.assisted_signup, name="assisted_signup"),
    path("ban-hang/don-hang/", order_views.seller_orders, name="seller_orders"),
    path("ban-hang/don-hang/<int:pk>/", order_views.seller_order_step, name="seller_order_step"),
    path("ban-hang/nong-dan/<slug:slug>/", views.producer_desk, name="producer_desk"),
    path("ban-hang/nong-dan/<slug:slug>/ho-so/", views.producer_profile, name="producer_profile"),
    path("ban-hang/nong-dan/<slug:slug>/san-pham-moi/", views.product_new, name="product_new"),
    path(
        "ban-hang/nong-dan/<slug:slug>/xin-dong-y/", views.consent_request, name="consent_request"
    ),
    path("ban-hang/nong-dan/<slug:slug>/dong-y/", views.consent_answer, name="consent_answer"),
    # before the steps' pattern, which would otherwise take "so-luong" for a step name
    path("ban-hang/san-pham/<int:pk>/so-luong/", views.product_stock, name="product_stock"),
    path("ban-hang/san-pham/<int:pk>/<slug:step>/", views.product_step, name="product_step"),
    path(
        "ban-hang/san-pham/<int:pk>/chung-nhan-ocop/<str:name>",
        views.ocop_certificate,
        name="ocop_certificate",
    ),
    path(
        "ban-hang/san-pham/<int:pk>/anh/<int:photo_pk>/xoa/",
        views.photo_remove,
        name="photo_remove",
    ),
    path(
        "ban-hang/san-pham/<int:pk>/anh/<int:photo_pk>/len-dau/",
        views.photo_first,
        name="photo_first",
    ),
    path("nha-san-xuat/<slug:slug>/", views.producer_page, name="producer"),
    path("gio-hang/", cart_views.cart_page, name="cart"),
    path("gio-hang/them/", cart_views.cart_add, name="cart_add"),
    path("gio-hang/sua/", cart_views.cart_update, name="cart_update"),
    path("thanh-toan/", checkout_views.contact, name="checkout"),
    path("thanh-toan/dia-chi/", checkout_views.address, name="checkout_address"),
    path("thanh-toan/thanh-toan/", checkout_views.payment, name="checkout_payment"),
    path("thanh-toan/xac-nhan/", checkout_views.review, name="checkout_review"),
    path("don-hang/<str:token>/", order_views.order_tracking, name="order_tracking"),
    path("don-hang/<str:token>/huy/", order_views.order_cancel, name="order_cancel"),
    path("don-hang/<str:token>/tai-khoan/", order_views.order_account, name="order_account"),
    # under /tai-khoan/ with the account pages; accounts sits above marketplace, so served here
    path("tai-khoan/don-hang/", order_views.my_orders, name="my_orders"),
    path("don-hang/<str:token>/the/", card_views.card_payment, name="card_payment"),
    path("webhooks/stripe/", card_views.stripe_webhook, name="stripe_webhook"),
    path("don-hang/<str:token>/chuyen-khoan/", transfer_views.bank_transfer, name="bank_transfer"),
    path("webhooks/ngan-hang/", transfer_views.bank_webhook, name="bank_webhook"),
]
