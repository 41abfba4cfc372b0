"""Object storage: a local directory (embedded) or an S3-compatible server."""

from vidswap.media.storage.base import Storage, StorageError, StoredObject, validate_key

__all__ = ["Storage", "StorageError", "StoredObject", "validate_key"]
