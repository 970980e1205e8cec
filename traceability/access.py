"""Who may see or act on batches, trace events and their documents, print runs (and their
PDF) and labels: those who may act for the batch's producer (``marketplace.access``). Views
load them only through ``accounts.access.get_for_actor``."""

from django.core.exceptions import PermissionDenied

from accounts.access import scope
from marketplace.access import producers_for

from .models import Batch, Label, LabelPrintRun, TraceAttachment, TraceEvent


@scope(Batch)
def batches_for(user):
    return Batch.objects.filter(product__producer__in=producers_for(user))


@scope(TraceEvent)
def events_for(user):
    return TraceEvent.objects.filter(batch__product__producer__in=producers_for(user))


@scope(TraceAttachment)
def attachments_for(user):
    """A step's photos and documents: the documents are private files (config.private)."""
    return TraceAttachment.objects.filter(event__batch__product__producer__in=producers_for(user))


@scope(LabelPrintRun)
def print_runs_for(user):
    return LabelPrintRun.objects.filter(batch__product__producer__in=producers_for(user))


@scope(Label)
def labels_for(user):
    return Label.objects.filter(batch__product__producer__in=producers_for(user))


def acting_producers(user):
    """The producers the batch pages work for; 403 for someone who acts for none (a buyer,
    postal staff, a helper whose farmers have not consented)."""
    producers = producers_for(user)
    if not producers.exists():
        raise PermissionDenied
    return producers
