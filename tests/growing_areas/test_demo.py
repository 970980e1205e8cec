"""seed_demo adds the growing areas, once."""

import pytest
from django.core.management import call_command

from growing_areas.models import GrowingArea

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_about_ten_areas_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert 8 <= GrowingArea.objects.count() <= 12
    tea = GrowingArea.objects.get(commune_code="04672", variety="Shan Tuyết")
    assert tea.province_code == "15"
    assert tea.boundary["type"] == "Polygon"
    assert tea.certifications.exists()
    suspended = GrowingArea.objects.get(status="suspended")
    assert suspended.status_changes.get().reason
    assert GrowingArea.objects.filter(status="active").count() == GrowingArea.objects.count() - 1
