"""Who may see or act on pickup jobs and post offices: postal staff the jobs of the offices
they belong to, moderators all. Views load them only through ``accounts.access``."""

from accounts.access import scope
from accounts.roles import Role
from marketplace.access import is_moderator

from .models import PickupJob, PickupList, PostOffice


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
