"""One way to write dates on every page, in the admin and in messages: 30/11/2026 23:04.
Django's own Vietnamese formats ("Ngày 30 tháng 11 năm 2026", "23:04 30-11-2026") differ
from page to page; these win (FORMAT_MODULE_PATH), the rest of Django's stay."""

DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
MONTH_DAY_FORMAT = "d/m"
YEAR_MONTH_FORMAT = "m/Y"
