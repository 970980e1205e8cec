"""Address fields for other apps' models. Codes are the official post-2025 ones; names are
looked up from them, so the database holds no copy of the administrative list."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import divisions
from .validators import validate_commune_code, validate_province_code


class ProvinceCodeField(models.CharField):
    default_validators = [validate_province_code]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("verbose_name", _("province"))
        super().__init__(*args, **kwargs)


class CommuneCodeField(models.CharField):
    default_validators = [validate_commune_code]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault("verbose_name", _("commune"))
        super().__init__(*args, **kwargs)


class PlaceCodesMixin:
    """Names looked up from ``province_code`` and ``commune_code``, for any model with both."""

    @property
    def province(self):
        return divisions.province(self.province_code)

    @property
    def commune(self):
        return divisions.commune(self.commune_code)


class Address(PlaceCodesMixin, models.Model):
    """Province and commune codes plus the village (thôn/bản) and street as typed."""

    province_code = ProvinceCodeField(db_index=True)
    commune_code = CommuneCodeField(db_index=True)
    village = models.CharField(_("village (thôn/bản)"), max_length=120, blank=True)
    street = models.CharField(_("street and house number"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        commune = divisions.commune(self.commune_code)
        if commune and self.province_code and commune.province_code != self.province_code:
            raise ValidationError(
                {"commune_code": _("This commune is not in the chosen province.")}
            )

    @property
    def address_text(self):
        commune = self.commune
        parts = [
            self.street,
            self.village,
            commune.name if commune else "",
            self.province.full_name if self.province else "",
        ]
        return ", ".join(p for p in parts if p)
