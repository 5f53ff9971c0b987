"""The S3-compatible object store for files, encrypted as on the disk (FILE_STORAGE=s3).

Kept apart from `files.py` so that boto3 is imported only where the bucket is used.
"""

from __future__ import annotations

from storages.backends.s3 import S3Storage

from portal.core.files import EncryptedStorageMixin


class EncryptedS3Storage(EncryptedStorageMixin, S3Storage):  # type: ignore[misc]
    """An S3 bucket (django-storages), every object encrypted before it leaves the portal."""
