"""What the postal side does when the buying app announces something."""

from .services import create_jobs_for_seller_orders


def create_jobs_for_order(sender, order, seller_orders, **kwargs):
    """``order_confirmed``: one pickup job per seller order. Runs after the order committed,
    in the buyer's request, so it never raises: a job it could not make is left to the sweep
    (``tasks.create_missing_jobs``)."""
    create_jobs_for_seller_orders(seller_orders)
