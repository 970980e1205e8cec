"""English pages write dates as the Vietnamese ones do (30/11/2026 23:04): the same dates
are printed on labels and slips, read by the same people."""

from config.formats.vi.formats import *  # noqa: F403
