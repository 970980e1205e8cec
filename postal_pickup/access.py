"""Who may see or act on pickup jobs and post offices: postal staff the jobs of the offices
they belong to, moderators all; a farmer (or the helper acting for them) only follows the jobs
and the COD remittances of their own producers. Views load them only through
``accounts.access``."""

from accounts.access import scope
from accounts.roles import Role
from marketplace.access import is_moderator, producers_for

from .models import CodRemittance, PickupJob, PickupList, PostOffice

# A farmer follows the jobs of their parcels (on the seller desk); they do not mark them.
FOLLOW = "follow"


def is_postal_staff(user):
    return user.is_authenticated and user.has_role(Role.POSTAL_STAFF)


@scope(PostOffice)
def offices_for(user):
    if is_moderator(user):
        return PostOffice.objects.all()
    if not is_postal_staff(user):
        return PostOffice.objects.none()
    return PostOffice.objects.filter(staff=user)


@scope(PickupJob)
def jobs_for(user):
    """Jobs of the offices the person is staff of (a job without an office is nobody's but
    the moderators')."""
    if is_moderator(user):
        return PickupJob.objects.all()
    if not is_postal_staff(user):
        return PickupJob.objects.none()
    return PickupJob.objects.filter(office__staff=user)


@scope(PickupList)
def lists_for(user):
    """The lists of the offices the person is staff of; moderators all."""
    if is_moderator(user):
        return PickupList.objects.all()
    if not is_postal_staff(user):
        return PickupList.objects.none()
    return PickupList.objects.filter(office__staff=user)


@scope(PickupJob, FOLLOW)
def followed_jobs(user):
    """The jobs of the parcels of the producers ``user`` acts for (every one for moderators)."""
    if is_moderator(user):
        return PickupJob.objects.all()
    return PickupJob.objects.filter(seller_order__producer__in=producers_for(user))


@scope(CodRemittance)
def remittances_for(user):
    """The COD remittances of the producers ``user`` acts for (every one for moderators)."""
    if is_moderator(user):
        return CodRemittance.objects.all()
    return CodRemittance.objects.filter(producer__in=producers_for(user))
