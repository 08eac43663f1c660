"""Where a catalogue's pictures come from and go to: a folder or a .zip archive.

Pure Python (no Django). A picture's catalogue path (`products/nb14.svg`) is its path
inside the media folder (or inside the archive's `media/` folder). Paths are checked to
stay inside that folder: an absolute path, a `..` segment or a symbolic link that leads
out is answered as missing, never followed.

Layout of an export:
  folder:   catalogue.json + media/products/nb14.svg …
  archive:  catalogue.zip holding catalogue.json and media/products/nb14.svg …
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

CATALOGUE_NAME = "catalogue.json"
MEDIA_FOLDER = "media"


class MediaSource(Protocol):
    """Read access to a catalogue's pictures by catalogue path."""

    def size(self, path: str) -> int | None:
        """Bytes of the file at `path`, or None when there is no such file."""
        ...

    def read(self, path: str) -> bytes:
        """The bytes of the file at `path` (after `size` said it exists)."""
        ...

    def describe(self, path: str) -> str:
        """Where `path` was looked for, for error messages."""
        ...


def safe_parts(path: str) -> tuple[str, ...] | None:
    """The segments of a relative catalogue path, or None if it could leave its folder."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or "\\" in path:
        return None
    parts = pure.parts
    if any(part in ("", ".", "..") for part in parts):
        return None
    return parts


class FolderSource:
    """Pictures in a folder on disk (`--media DIR`, or `media/` beside the JSON)."""

    def __init__(self, root: Path):
        self.root = root.resolve()

    def _file(self, path: str) -> Path | None:
        parts = safe_parts(path)
        if parts is None:
            return None
        candidate = self.root.joinpath(*parts).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def size(self, path: str) -> int | None:
        found = self._file(path)
        return None if found is None else found.stat().st_size

    def read(self, path: str) -> bytes:
        found = self._file(path)
        if found is None:
            raise FileNotFoundError(path)
        return found.read_bytes()

    def describe(self, path: str) -> str:
        return str(self.root / path)


class ArchiveSource:
    """Pictures inside a .zip archive, under `prefix` (`media/` for an export's archive,
    nothing for an archive of pictures alone). Sizes are the archive's own record of the
    uncompressed size, and a read stops past it, so a zip bomb is caught by the limit."""

    def __init__(self, archive: zipfile.ZipFile, *, prefix: str = "", label: str = "archive"):
        self.archive = archive
        self.prefix = prefix
        self.label = label
        self.members = {info.filename: info for info in archive.infolist() if not info.is_dir()}

    def _member(self, path: str) -> zipfile.ZipInfo | None:
        if safe_parts(path) is None:
            return None
        return self.members.get(self.prefix + path)

    def size(self, path: str) -> int | None:
        member = self._member(path)
        return None if member is None else member.file_size

    def read(self, path: str) -> bytes:
        member = self._member(path)
        if member is None:
            raise FileNotFoundError(path)
        try:
            with self.archive.open(member) as handle:
                data = handle.read(member.file_size + 1)
        except (zipfile.BadZipFile, RuntimeError) as exc:  # damaged, or encrypted
            raise OSError(f"cannot be read from the archive: {exc}") from None
        if len(data) > member.file_size:
            raise OSError("holds more than the archive says")
        return data

    def describe(self, path: str) -> str:
        return f"{self.label}:{self.prefix}{path}"


class NoMedia:
    """No pictures at all: every name is missing (unless already stored)."""

    def __init__(self, label: str):
        self.label = label

    def size(self, path: str) -> int | None:
        return None

    def read(self, path: str) -> bytes:
        raise FileNotFoundError(path)

    def describe(self, path: str) -> str:
        return f"{self.label}/{path}"


def archive_prefix(archive: zipfile.ZipFile) -> str:
    """`media/` when the archive is an export (it holds catalogue.json), else nothing."""
    return f"{MEDIA_FOLDER}/" if CATALOGUE_NAME in archive.namelist() else ""


def write_folder(*, root: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` (catalogue path → bytes) under `root`."""
    for path, data in files.items():
        parts = safe_parts(path)
        if parts is None:
            raise ValueError(f"unsafe picture path {path!r}")
        target = root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def write_archive(
    *, target: Path | BinaryIO, catalogue_text: str, files: Mapping[str, bytes]
) -> None:
    """An export archive: catalogue.json and every picture under media/."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CATALOGUE_NAME, catalogue_text.encode("utf-8"))
        for path, data in sorted(files.items()):
            if safe_parts(path) is None:
                raise ValueError(f"unsafe picture path {path!r}")
            archive.writestr(f"{MEDIA_FOLDER}/{path}", data)
