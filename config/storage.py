"""The media bucket: every object is written with the same safe headers the media view sends
(config.media.media_headers), so S3 or a CDN in front of it serves uploads as what they are."""

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
