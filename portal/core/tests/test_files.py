"""Files at rest: encrypted on the storage, read back in clear, streamed, rotated, swept."""

from __future__ import annotations

import datetime
import io
import os
import tracemalloc
from pathlib import Path
from typing import IO, Any, cast

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from portal.core.files import (
    CHUNK_SIZE,
    EncryptedFileSystemStorage,
    FileDecryptionError,
    file_keys,
)
from portal.core.models import AuditEvent

SECRET = b"NIR 1 85 05 78 006 084 36 -- BOULANGERIES MARTIN"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


class _Stream(io.RawIOBase):
    """`size` bytes of a repeated pattern, produced as read (never whole in memory)."""

    def __init__(self, size: int) -> None:
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self._left)
        line = SECRET + b"\n"  # lines, as a DSN file has
        buffer[:count] = (line * (count // len(line) + 1))[:count]
        self._left -= count
        return count


def test_the_default_storage_is_the_encrypted_disk() -> None:
    assert isinstance(storages["default"], EncryptedFileSystemStorage)


def test_stored_bytes_are_not_the_plaintext_and_read_back(media_root: Path) -> None:
    name = default_storage.save("imports/liste.csv", ContentFile(SECRET * 3))

    on_disk = (media_root / name).read_bytes()
    assert SECRET not in on_disk
    assert b"BOULANGERIES" not in on_disk
    with default_storage.open(name) as handle:
        assert handle.read() == SECRET * 3
    assert default_storage.size(name) == len(SECRET) * 3


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE])
def test_every_size_reads_back_whole_and_from_any_position(size: int) -> None:
    content = os.urandom(size)
    name = default_storage.save("sizes/file.bin", ContentFile(content))

    with default_storage.open(name) as handle:
        assert handle.read() == content
        handle.seek(size // 2)
        assert handle.read() == content[size // 2 :]
    assert default_storage.size(name) == size


def test_a_reopened_field_file_reads_again_from_the_start() -> None:
    name = default_storage.save("reopen/file.txt", ContentFile(SECRET))
    handle = default_storage.open(name)
    handle.close()

    handle.open()
    assert handle.read() == SECRET
    handle.close()


def test_an_altered_byte_is_refused(media_root: Path) -> None:
    name = default_storage.save("altered/file.txt", ContentFile(SECRET * 100))
    path = media_root / name
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01
    path.write_bytes(bytes(data))

    with pytest.raises(FileDecryptionError), default_storage.open(name) as handle:
        handle.read()


def test_a_truncated_file_is_refused(media_root: Path) -> None:
    name = default_storage.save("truncated/file.bin", ContentFile(os.urandom(3 * CHUNK_SIZE)))
    path = media_root / name
    path.write_bytes(path.read_bytes()[: -(CHUNK_SIZE // 2)])

    with pytest.raises(FileDecryptionError), default_storage.open(name) as handle:
        handle.read()


def test_a_20_megabyte_file_is_written_and_read_in_bounded_memory(media_root: Path) -> None:
    size = 20 * 1024 * 1024
    tracemalloc.start()
    try:
        name = default_storage.save(
            "dsn/big.dsn", File(cast("IO[bytes]", _Stream(size)), "big.dsn")
        )
        _, written_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = 0
        with default_storage.open(name) as handle:
            for line in handle:
                read += len(line)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert read == size
    assert (media_root / name).stat().st_size > size  # the header and a tag per chunk
    assert written_peak < 2 * 1024 * 1024
    assert read_peak < 2 * 1024 * 1024


@pytest.mark.django_db
def test_rotation_reencrypts_under_the_newest_key_and_the_old_one_can_go(
    settings: Any,
) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    storage = storages["default"]
    assert isinstance(storage, EncryptedFileSystemStorage)
    key_a = file_keys()[0][0]
    name = default_storage.save("signatures/dossier.pdf", ContentFile(SECRET))
    assert storage.key_id(name) == key_a

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]  # B first: new files use it, A still reads
    key_b = file_keys()[0][0]
    with default_storage.open(name) as handle:
        assert handle.read() == SECRET
    assert storage.key_id(name) == key_a

    out = io.StringIO()
    call_command("rotate_file_keys", stdout=out)

    assert storage.key_id(name) == key_b
    assert out.getvalue() == "1 fichier(s) chiffré(s) à nouveau avec la clé la plus récente\n"
    event = AuditEvent.objects.get(action="file_keys_rotated")
    assert event.details == {"files": 1}
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # A removed
    with default_storage.open(name) as handle:
        assert handle.read() == SECRET
    assert default_storage.listdir("signatures") == ([], ["dossier.pdf"])


def test_a_file_under_a_removed_key_is_refused(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    name = default_storage.save("old/file.txt", ContentFile(SECRET))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]

    with pytest.raises(FileDecryptionError):
        default_storage.open(name)


@pytest.mark.django_db
def test_a_file_stored_in_clear_before_encryption_is_read_then_encrypted_by_rotation(
    media_root: Path,
) -> None:
    path = media_root / "legacy" / "letter.pdf"
    path.parent.mkdir(parents=True)
    path.write_bytes(SECRET)
    with default_storage.open("legacy/letter.pdf") as handle:
        assert handle.read() == SECRET

    call_command("rotate_file_keys", stdout=io.StringIO())

    assert SECRET not in path.read_bytes()
    with default_storage.open("legacy/letter.pdf") as handle:
        assert handle.read() == SECRET


@pytest.mark.django_db(transaction=True)
def test_a_file_written_in_a_transaction_that_rolled_back_is_swept_after_the_grace(
    media_root: Path,
) -> None:
    class RolledBack(Exception):
        pass

    now = timezone.now()
    with time_machine.travel(now, tick=False), pytest.raises(RolledBack), transaction.atomic():
        name = default_storage.save("waivers/proof.pdf", ContentFile(SECRET))
        raise RolledBack
    os.utime(media_root / name, (now.timestamp(), now.timestamp()))

    with time_machine.travel(now + datetime.timedelta(hours=23), tick=False):
        call_command("purge_files", stdout=io.StringIO())
    assert default_storage.exists(name)

    out = io.StringIO()
    with time_machine.travel(now + datetime.timedelta(hours=25), tick=False):
        call_command("purge_files", stdout=out)

    assert not default_storage.exists(name)
    assert "orphelins : 1 fichier(s) supprimé(s)" in out.getvalue()
    event = AuditEvent.objects.get(action="file_deleted")
    assert event.details == {"kind": "orphan", "name": name}


@pytest.mark.django_db
def test_no_url_serves_the_stored_files(client: Any, settings: Any) -> None:
    name = default_storage.save("imports/liste.csv", ContentFile(SECRET))

    response = client.get(f"/{settings.MEDIA_URL}{name}")

    assert response.status_code == 404
    assert SECRET not in response.content
