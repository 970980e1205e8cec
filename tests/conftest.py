"""Fixtures shared by every app's tests."""

import itertools

import pytest
from wagtail.models import Locale, Page, Site

from accounts.models import User
from accounts.roles import Role
from accounts.services import grant_role

# localstripe, the Stripe-compatible server the card-payment tests run against; moto, the S3
# server the storage tests run against
pytest_plugins = ["tests.payments_support", "tests.storage_support"]

PASSWORD = "mat-khau-thu-nghiem-9"
_numbers = itertools.count(1)


@pytest.fixture
def make_user(db):
    """make_user(role=None, **fields) -> a saved user with the password PASSWORD."""

    def make(role=None, phone=None, **fields):
        phone = phone or f"09130{next(_numbers):05d}"
        fields.setdefault("full_name", f"Người dùng {phone[-3:]}")
        user = User.objects.create_user(phone, PASSWORD, **fields)
        if role:
            grant_role(user, Role(role))
        return user

    return make


@pytest.fixture
def moderator(make_user):
    return make_user(Role.MODERATOR, full_name="Kiểm duyệt viên")


@pytest.fixture
def producer_user(make_user):
    return make_user(Role.PRODUCER, full_name="Lò Thị Mai")


@pytest.fixture
def helper_user(make_user):
    return make_user(Role.COMMUNITY_HELPER, full_name="Hoàng Văn Sáng")


@pytest.fixture
def home_page(db):
    """The site's HomePage as the default site's root, as seed_demo builds it."""
    from marketplace.models import HomePage

    # transactional tests flush the tree that migrations made, root and locale included
    Locale.objects.get_or_create(language_code="vi")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    for page in root.get_children().exact_type(Page):
        page.delete()
    home = root.add_child(instance=HomePage(title="Chợ Phiên", slug="trang-chu"))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": home},
    )
    return home


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Private files (label PDFs, trace documents, pickup lists) of a test go to its own
    folder, never to the checkout's var/private."""
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings.PRIVATE_ROOT


@pytest.fixture(autouse=True)
def celery_join_flag_reset():
    """Eager tasks run in several threads at once (the concurrency tests) can leave Celery's
    process-wide "joining would block" flag set: ``celery.result.denied_join_result`` saves and
    restores it without a lock. A later test that waits for a real worker's result would then
    be refused ("Never call result.get() within a task!"), so every test starts clear."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)
