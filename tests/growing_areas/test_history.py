"""A growing area's status history is kept: the area it belongs to cannot be deleted from under
it, and the admin says so instead of failing."""

from django.urls import reverse

from growing_areas.models import GrowingArea, StatusChange


def delete(client, area):
    return client.post(
        reverse("wagtailsnippets_growing_areas_growingarea:delete", args=[area.pk]), follow=True
    )


def test_an_area_with_a_status_history_is_kept_and_the_moderator_told_why(
    client, moderator, make_area
):
    area = make_area(name="Vùng chè Suối Giàng")
    area.change_status(GrowingArea.Status.REVOKED, reason="Cấp nhầm mã", by=moderator)
    client.force_login(moderator)
    response = delete(client, area)
    assert response.status_code == 200
    assert "Không thể xoá “" in response.content.decode()
    assert "lịch sử của nó phải được giữ lại" in response.content.decode()
    assert GrowingArea.objects.filter(pk=area.pk).exists()
    assert StatusChange.objects.filter(area=area).count() == 1


def test_an_area_without_a_history_is_deleted(client, moderator, make_area):
    area = make_area()
    client.force_login(moderator)
    response = delete(client, area)
    assert response.status_code == 200
    assert not GrowingArea.objects.filter(pk=area.pk).exists()
