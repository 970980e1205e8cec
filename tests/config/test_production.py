"""The production configuration, checked the way Django checks it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "x7#kq9!v2Lm4$Zp8rT1wYb6Nc3Hd5Jf0Gs-ProductionLikeSecretKey-Qa",
    "ALLOWED_HOSTS": "chophien.vn,www.chophien.vn",
    "SITE_URL": "https://chophien.vn",
    "SCAN_HASH_KEY": "m3Q9-scan-hash-key-ProductionLike-7vRt2Lw8",
    "GS1_COMPANY_PREFIX": "8930123",  # as if licensed from GS1 Vietnam
}


def clean_environ():
    """This process's environment without what other tests or CI may have set for Django."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "DEBUG"}
    }


def run(*args, **extra_env):
    env = {**clean_environ(), **PRODUCTION_ENV, **extra_env}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_prints_no_warning():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("key", ["SECRET_KEY", "SCAN_HASH_KEY"])
def test_production_refuses_to_start_without_a_secret_key(key):
    env = {k: v for k, v in clean_environ().items() if k != key}
    env.update({k: v for k, v in PRODUCTION_ENV.items() if k != key})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert key in result.stderr


def test_production_refuses_to_start_without_a_licensed_gs1_company_prefix():
    env = {**clean_environ(), **PRODUCTION_ENV}
    del env["GS1_COMPANY_PREFIX"]  # unset: the settings fall back to the placeholder
    unset = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    placeholder = run("manage.py", "migrate", "--check", GS1_COMPANY_PREFIX="8939999")
    for result in (unset, placeholder):
        assert result.returncode != 0
        assert "(config.E001) GS1_COMPANY_PREFIX is unset or the development placeholder" in (
            result.stderr
        )
        assert "licensed to you by GS1 Vietnam" in result.stderr


def test_production_refuses_a_malformed_gs1_company_prefix():
    result = run("manage.py", "check", GS1_COMPANY_PREFIX="893")
    assert result.returncode != 0
    assert "(config.E002) GS1_COMPANY_PREFIX '893' is not a GS1 company prefix" in result.stderr


def test_the_placeholder_gs1_company_prefix_is_fine_outside_production():
    result = run("manage.py", "check", DJANGO_ENV="development", GS1_COMPANY_PREFIX="8939999")
    assert result.returncode == 0, result.stderr
    assert "config.E001" not in result.stdout + result.stderr


def test_logs_are_json_lines_on_stdout():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('chophien.test').warning('kho hàng %s', 'Văn Chấn')"
    )
    result = run("-c", code)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["message"] == "kho hàng Văn Chấn"
    assert line["level"] == "WARNING"
    assert line["logger"] == "chophien.test"


def test_static_files_are_served_by_whitenoise_with_hashed_names():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.STORAGES['staticfiles']['BACKEND']); "
        "print('whitenoise.middleware.WhiteNoiseMiddleware' in settings.MIDDLEWARE)"
    )
    result = run("-c", code)
    assert result.stdout.split() == [
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "True",
    ]


def test_a_bucket_name_sends_media_to_s3():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.utils.module_loading import import_string; "
        "from storages.backends.s3 import S3Storage; "
        "backend = settings.STORAGES['default']['BACKEND']; "
        "print(backend, issubclass(import_string(backend), S3Storage))"
    )
    result = run("-c", code, AWS_STORAGE_BUCKET_NAME="chophien-media")
    # S3, through the subclass that writes a safe Content-Type on every object
    assert result.stdout.split() == ["config.s3_storage.MediaS3Storage", "True"]
