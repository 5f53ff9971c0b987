"""Files encrypted at rest, through Django's storage API (issue 12: files at rest).

Every stored file (import and rejection files, DSN files and reports, signed dossiers, waiver
proofs, letters, coverage tables) is written through `EncryptedFileSystemStorage` (the default)
or `portal.core.s3.EncryptedS3Storage` (an S3-compatible store). The format streams, so a 100 MB
DSN file is never whole in memory, and follows the field-encryption keys' rotation:

    header  = MAGIC (8 bytes) · key id (8) · salt (16)
    chunks  = AES-256-GCM(file key, nonce = chunk number (8) · last flag (4), aad = header)
              of each 64 KiB of the content, the last one shorter (possibly empty)

The file key is HKDF-SHA256 of one of `FIELD_ENCRYPTION_KEYS` with the file's random salt; the key
id (HKDF of the same key, another label) says which one. The chunk number and the last flag in the
nonce make a reordered, dropped or truncated chunk fail to decrypt. Files written before
encryption (no MAGIC) are read as they are until `rotate_file_keys` encrypts them.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import secrets
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from typing import IO, Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage

MAGIC = b"PFENC\x00\x01\x00"  # format version 1
KEY_ID_SIZE = 8
SALT_SIZE = 16
HEADER_SIZE = len(MAGIC) + KEY_ID_SIZE + SALT_SIZE
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE


class FileDecryptionError(OSError):
    """A stored file does not decrypt: unknown key, altered or truncated content."""


def _hkdf(key: bytes, *, salt: bytes | None, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(key)


@lru_cache(maxsize=8)
def _keys(field_keys: tuple[str, ...]) -> tuple[tuple[bytes, bytes], ...]:
    """(key id, key material) of each field-encryption key, the newest (encrypting) first."""
    result = []
    for key in field_keys:
        material = base64.urlsafe_b64decode(key)
        key_id = _hkdf(material, salt=None, info=b"portal file key id", length=KEY_ID_SIZE)
        result.append((key_id, material))
    return tuple(result)


def file_keys() -> tuple[tuple[bytes, bytes], ...]:
    return _keys(tuple(settings.FIELD_ENCRYPTION_KEYS))


def newest_key_id() -> bytes:
    return file_keys()[0][0]


def _cipher(material: bytes, salt: bytes) -> AESGCM:
    return AESGCM(_hkdf(material, salt=salt, info=b"portal file aes-256-gcm v1", length=32))


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(8, "big") + (b"\x00\x00\x00\x01" if last else b"\x00\x00\x00\x00")


def _exact_chunks(source: IO[bytes] | File[bytes], size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The source's bytes in pieces of exactly `size` bytes, the last one shorter."""
    pending = b""
    while True:
        data = source.read(size - len(pending))
        if not data:
            break
        pending += data
        if len(pending) == size:
            yield pending
            pending = b""
    yield pending


class EncryptingReader(io.RawIOBase):
    """Reads `source` (plaintext) as the encrypted format, chunk by chunk."""

    def __init__(self, source: IO[bytes] | File[bytes]) -> None:
        key_id, material = file_keys()[0]
        salt = secrets.token_bytes(SALT_SIZE)
        self._header = MAGIC + key_id + salt
        self._cipher = _cipher(material, salt)
        self._chunks = _exact_chunks(source)
        self._next: bytes | None = next(self._chunks)
        self._index = 0
        self._buffer = self._header

    def readable(self) -> bool:
        return True

    def _seal_next(self) -> bytes:
        current = self._next
        assert current is not None
        self._next = next(self._chunks, None)
        last = self._next is None
        sealed = self._cipher.encrypt(_nonce(self._index, last), current, self._header)
        self._index += 1
        return sealed

    def readinto(self, buffer: Any) -> int:
        while not self._buffer and self._next is not None:
            self._buffer = self._seal_next()
        count = min(len(buffer), len(self._buffer))
        buffer[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


class DecryptingReader(io.RawIOBase):
    """Reads an encrypted file (a seekable binary stream) as its plaintext, seekable."""

    def __init__(self, raw: IO[bytes] | File[bytes]) -> None:
        self._raw = raw
        raw.seek(0)
        self.header = raw.read(HEADER_SIZE)
        if len(self.header) != HEADER_SIZE or not self.header.startswith(MAGIC):
            raise FileDecryptionError("not an encrypted file")
        self.key_id = self.header[len(MAGIC) : len(MAGIC) + KEY_ID_SIZE]
        material = dict(file_keys()).get(self.key_id)
        if material is None:
            raise FileDecryptionError("the file's key is not in FIELD_ENCRYPTION_KEYS")
        self._cipher = _cipher(material, self.header[-SALT_SIZE:])
        raw.seek(0, os.SEEK_END)
        body = raw.tell() - HEADER_SIZE
        self._chunk_count = max(1, -(-body // SEALED_CHUNK_SIZE))
        self.size = body - TAG_SIZE * self._chunk_count
        if self.size < 0:
            raise FileDecryptionError("truncated file")
        self._position = 0
        self._loaded_index = -1
        self._loaded = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def _load(self, index: int) -> None:
        self._raw.seek(HEADER_SIZE + index * SEALED_CHUNK_SIZE)
        sealed = self._raw.read(SEALED_CHUNK_SIZE)
        last = index == self._chunk_count - 1
        try:
            self._loaded = self._cipher.decrypt(_nonce(index, last), sealed, self.header)
        except InvalidTag as error:
            raise FileDecryptionError("the file's content was altered") from error
        self._loaded_index = index

    def readinto(self, buffer: Any) -> int:
        if self._position >= self.size:
            return 0
        index = self._position // CHUNK_SIZE
        if index != self._loaded_index:
            self._load(index)
        start = self._position - index * CHUNK_SIZE
        data = self._loaded[start : start + len(buffer)]
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def is_encrypted(raw: IO[bytes] | File[bytes]) -> bool:
    raw.seek(0)
    encrypted = raw.read(len(MAGIC)) == MAGIC
    raw.seek(0)
    return encrypted


class DecryptedFile(File[bytes]):
    """An opened stored file; `open()` again after `close()` reads it again from its storage."""

    def __init__(self, file: IO[bytes], name: str, storage: EncryptedStorageMixin) -> None:
        super().__init__(file, name)
        self._storage = storage

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> DecryptedFile:
        if not self.closed:
            self.seek(0)
        else:
            self.file = self._storage._open(str(self.name)).file
        return self


class EncryptedStorageMixin:
    """Encrypts on `_save` and decrypts on `_open`, over any storage backend."""

    def _save(self, name: str, content: File[bytes]) -> str:
        with contextlib.suppress(AttributeError, io.UnsupportedOperation):
            content.seek(0)  # as File.chunks() does for a plain storage
        encrypted = File(cast("IO[bytes]", EncryptingReader(content)), name)
        return super()._save(name, encrypted)  # type: ignore[misc,no-any-return]

    def _open(self, name: str, mode: str = "rb") -> File[bytes]:
        if set(mode) - {"r", "b"}:
            raise ValueError("stored files are written through save(), opened for reading only")
        raw = super()._open(name, "rb")  # type: ignore[misc]
        if not is_encrypted(raw):  # written before encryption: rotate_file_keys encrypts it
            return raw  # type: ignore[no-any-return]
        try:
            reader = DecryptingReader(raw)
        except BaseException:
            raw.close()
            raise
        return DecryptedFile(io.BufferedReader(reader, buffer_size=CHUNK_SIZE), name, self)

    def size(self, name: str) -> int:
        with self._open(name) as handle:
            return handle.seek(0, os.SEEK_END)  # type: ignore[no-any-return]

    def key_id(self, name: str) -> bytes | None:
        """The id of the key `name` is encrypted with (None: stored in clear)."""
        with super()._open(name, "rb") as raw:  # type: ignore[misc]
            header = raw.read(HEADER_SIZE)
        if not header.startswith(MAGIC):
            return None
        return header[len(MAGIC) : len(MAGIC) + KEY_ID_SIZE]  # type: ignore[no-any-return]

    def reencrypt(self, name: str) -> None:
        """Write `name` again under the newest key, its content unchanged."""
        with self._open(name) as plain:
            self._replace(name, EncryptingReader(plain))

    def _replace(self, name: str, encrypted: EncryptingReader) -> None:
        # Object stores replace an object whole on write (file_overwrite).
        super()._save(name, File(cast("IO[bytes]", encrypted), name))  # type: ignore[misc]


class EncryptedFileSystemStorage(EncryptedStorageMixin, FileSystemStorage):
    """The disk, every file encrypted (STORAGES["default"])."""

    def _replace(self, name: str, encrypted: EncryptingReader) -> None:
        # Written beside, then renamed over: a crash leaves the old file whole, never half.
        path = self.path(name)
        directory = os.path.dirname(path)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".rotating-")
        try:
            with os.fdopen(handle, "wb") as target:
                for chunk in iter(lambda: encrypted.read(SEALED_CHUNK_SIZE), b""):
                    target.write(chunk)
                target.flush()
                os.fsync(target.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise


def walk(storage: Any, directory: str = "") -> Iterator[str]:
    """Every file name under `directory` of `storage`, through `listdir` (disk or S3)."""
    directories, files = storage.listdir(directory)
    for file in files:
        yield f"{directory}/{file}" if directory else file
    for sub in directories:
        yield from walk(storage, f"{directory}/{sub}" if directory else sub)


def reencrypt_files(storage: Any) -> int:
    """Write again under the newest key every file of `storage` encrypted with an older key (or
    stored in clear); returns how many. Run after adding a key in front of
    FIELD_ENCRYPTION_KEYS: once done, the old key can leave the list (NIRs permitting)."""
    newest = newest_key_id()
    count = 0
    for name in list(walk(storage)):
        if storage.key_id(name) != newest:
            storage.reencrypt(name)
            count += 1
    return count
