"""What the label page keeps in the cache besides its template fragments: the growing area's
certificates, read once per area rather than on every scan. Saving or deleting a certificate
(or saving the area) forgets them; the bound only limits a change made by a bulk update."""

from django.core.cache import cache

CERTIFICATES_SECONDS = 600


def _certificates_key(area_id):
    return f"trace:certificates:{area_id}"


def area_certificates(area):
    """The area's certificates, from the cache when the area has not changed since."""
    stamp = area.updated_at.timestamp() if area.updated_at else 0
    cached = cache.get(_certificates_key(area.pk))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    certificates = list(area.certifications.all())
    cache.set(_certificates_key(area.pk), (stamp, certificates), CERTIFICATES_SECONDS)
    return certificates


def forget_certificates(sender, instance, **kwargs):
    """post_save / post_delete of a Certification: the next label page reads them again."""
    cache.delete(_certificates_key(instance.area_id))
