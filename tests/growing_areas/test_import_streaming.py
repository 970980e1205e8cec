"""A long file is imported a chunk at a time: the memory an import holds does not grow with
its rows, and it is still all or nothing across chunks."""

import io
import tracemalloc

import pytest
from django.core.management import CommandError, call_command

from growing_areas.importing import spill, write
from growing_areas.models import GrowingArea, ImportJob, StatusChange
from growing_areas.services import import_growing_areas, run_import_job

from .conftest import csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 2 rows: a handful of rows crosses several of them."""
    monkeypatch.setattr(spill, "CHUNK", 2)
    monkeypatch.setattr(write, "CHUNK", 2)


def rows_coded(prefix, count):
    return [good_row(code=f"{prefix}-{n:05d}") for n in range(count)]


def traced_peak(data):
    """The most memory (bytes, as Python allocates it) importing ``data`` held at once."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        report = import_growing_areas(data, "vung.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.ok, report.errors[:3]
    return peak - start


def test_ten_times_the_rows_do_not_take_ten_times_the_memory(monkeypatch):
    monkeypatch.setattr(spill, "CHUNK", 50)
    small = csv_bytes(rows_coded("S", 100))
    large = csv_bytes(rows_coded("L", 1000))
    import_growing_areas(csv_bytes(rows_coded("W", 2)), "vung.csv")  # caches filled first
    small_peak = traced_peak(small)
    large_peak = traced_peak(large)
    # Held whole, a row costs about 5 KB; streamed, only its code is kept (for duplicates).
    assert large_peak - small_peak < 900 * 1024, (small_peak, large_peak)
    assert GrowingArea.objects.filter(code__startswith="L-").count() == 1000


def test_a_bad_row_at_the_very_end_saves_nothing(small_chunks):
    rows = [*rows_coded("A", 9), good_row(code="A-LAST", area_ha="0")]
    report = import_growing_areas(csv_bytes(rows), "vung.csv")
    assert not report.ok
    assert [(e.line, e.column) for e in report.errors] == [(11, "area_ha")]
    assert not GrowingArea.objects.exists()
    assert not StatusChange.objects.exists()


def test_a_duplicate_code_chunks_apart_names_the_first_line(small_chunks):
    rows = [*rows_coded("A", 6), good_row(code="a-00000")]
    report = import_growing_areas(csv_bytes(rows), "vung.csv")
    assert [(e.line, e.column) for e in report.errors] == [(8, "code")]
    assert "dòng 2" in report.errors[0].message
    assert not GrowingArea.objects.exists()


def test_every_chunk_is_saved_and_counted(small_chunks, moderator):
    rows = rows_coded("A", 7)
    assert import_growing_areas(csv_bytes(rows), "vung.csv").created == 7
    rows[0] = good_row(code="A-00000", name="Tên mới")
    rows[6] = good_row(code="A-00006", status="thu hồi")
    report = import_growing_areas(xlsx_bytes(rows), "vung.xlsx", user=moderator)
    assert (report.total_rows, report.created, report.updated, report.unchanged) == (7, 0, 2, 5)
    assert GrowingArea.objects.get(code="A-00000").name == "Tên mới"
    assert GrowingArea.objects.get(code="A-00006").status == "revoked"
    assert StatusChange.objects.filter(to_status="revoked", changed_by=moderator).count() == 1
    assert StatusChange.objects.filter(from_status="").count() == 7


def test_a_file_that_breaks_after_many_good_rows_saves_nothing_and_says_why(small_chunks):
    good = csv_bytes(rows_coded("A", 50))
    for tail, words in [(b"\xff\xfe,broken\r\n", "UTF-8"), (b"A-X,\x00\x00\r\n", "nhị phân")]:
        report = import_growing_areas(good + tail, "vung.csv")
        assert not report.ok and len(report.errors) == 1
        assert words in report.errors[0].message
    assert not GrowingArea.objects.exists()


def test_the_first_errors_are_kept_and_all_are_counted(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(write, "MAX_KEPT_ERRORS", 3)
    rows = [good_row(code=f"A-{n}", area_ha="0") for n in range(5)]
    report = import_growing_areas(csv_bytes(rows), "vung.csv")
    assert [e.line for e in report.errors] == [2, 3, 4]
    assert (report.error_count, report.ok) == (5, False)
    path = tmp_path / "vung.csv"
    path.write_bytes(csv_bytes(rows))
    with pytest.raises(CommandError, match="5 lỗi: không lưu gì"):
        call_command("import_growing_areas", str(path))
    assert "… và 2 lỗi khác." in capsys.readouterr().err


def test_an_upload_counts_every_error_beyond_those_it_keeps(
    monkeypatch, settings, tmp_path, moderator
):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(write, "MAX_KEPT_ERRORS", 3)
    rows = [good_row(code=f"A-{n}", area_ha="0") for n in range(5)]
    job = ImportJob(original_name="vung.csv", created_by=moderator)
    job.file.save("vung.csv", ContentFile(csv_bytes(rows)), save=False)
    job.save()
    assert run_import_job(job.pk) == ImportJob.State.FAILED
    job.refresh_from_db()
    assert (job.error_count, len(job.errors)) == (5, 3)


class Unseekable(io.RawIOBase):
    """A stream that can only be read forward, as from a network."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        return self._data.readinto(buffer)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_stream_that_cannot_seek_is_imported(kind):
    rows = rows_coded("A", 3)
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    report = import_growing_areas(Unseekable(data), f"vung.{kind}")
    assert report.ok and report.created == 3
