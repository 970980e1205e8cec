"""The STORAGES entries for media and private files, built from plain values so that
config/settings.py and the tests describe the same two storages. No backend is imported here."""


def disk_storages():
    """Both storages on disk: public media in MEDIA_ROOT, private files in PRIVATE_ROOT."""
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {"BACKEND": "config.storage.PrivateFileSystemStorage"},
    }


def s3_storages(
    *,
    bucket,
    private_bucket="",
    private_location="private",
    endpoint_url=None,
    region=None,
    custom_domain=None,
    url_seconds=300,
    access_key=None,
    secret_key=None,
):
    """Both storages in S3: public media as plain URLs (under ``custom_domain`` when a CDN
    fronts the bucket), private files in ``private_bucket`` or, without one, under the
    ``private_location`` prefix of the same bucket, always with presigned URLs that expire
    after ``url_seconds``."""
    common = {
        "endpoint_url": endpoint_url,
        "region_name": region,
        "file_overwrite": False,
        # presigned URLs carry X-Amz-Expires under the signature (SigV4), as every region needs
        "signature_version": "s3v4",
    }
    if access_key:
        common.update(access_key=access_key, secret_key=secret_key)
    return {
        "default": {
            "BACKEND": "config.s3_storage.MediaS3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": bucket,
                "querystring_auth": False,
                "custom_domain": custom_domain,
            },
        },
        "private": {
            "BACKEND": "config.s3_storage.PrivateS3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": private_bucket or bucket,
                "location": "" if private_bucket else private_location,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": url_seconds,
                "custom_domain": None,
            },
        },
    }
