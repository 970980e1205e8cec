from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import divisions


def validate_province_code(value):
    if divisions.province(value) is None:
        raise ValidationError(
            _("“%(value)s” is not a province code."),
            code="invalid_province",
            params={"value": value},
        )


def validate_commune_code(value):
    if divisions.commune(value) is None:
        raise ValidationError(
            _("“%(value)s” is not a commune code."), code="invalid_commune", params={"value": value}
        )
