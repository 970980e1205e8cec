"""The storages of a site with a bucket (AWS_STORAGE_BUCKET_NAME): public media and private
files in S3 through django-storages and boto3. Imported only when STORAGES names them
(config/storage_settings.py), so a site on folders never loads boto3."""

from storages.backends.s3 import S3Storage

from .media import media_headers

HEADER_PARAMETERS = {"Content-Type": "ContentType", "Content-Disposition": "ContentDisposition"}


class MediaS3Storage(S3Storage):
    """S3Storage whose objects carry ContentType from the allowlist (never the uploader's
    claimed type) and ContentDisposition: attachment for anything that is not an image."""

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        for header, value in media_headers(name).items():
            parameters[HEADER_PARAMETERS[header]] = value
        return parameters


class PrivateS3Storage(MediaS3Storage):
    """Private objects: written with the private ACL, never under the CDN domain, and their
    URLs always presigned (``querystring_expire`` seconds, PRIVATE_FILE_URL_SECONDS)."""

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults.update(default_acl="private", querystring_auth=True, custom_domain=None)
        return defaults
