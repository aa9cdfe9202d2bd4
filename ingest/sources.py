"""Read page files, reporting by name the ones that cannot be indexed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from corpus.discover import FolderNotFoundError, SourceFile, discover
from ingest.models import Skipped


@dataclass(frozen=True)
class PageFile:
    """A readable page file and the hash of its bytes."""

    source: SourceFile
    sha256: str


@dataclass(frozen=True)
class Scan:
    """The page files of a corpus folder, and what was skipped or read with a warning."""

    files: list[PageFile]
    skipped: list[Skipped]
    warnings: list[str]


def decode(data: bytes) -> tuple[str, bool]:
    """Text of a page; falls back to Windows-1252 when it is not UTF-8 (flagged True)."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), True


def check(path: Path, data: bytes, max_bytes: int) -> str | None:
    """Why these bytes cannot be indexed as a page, or None when they can."""
    if len(data) > max_bytes:
        mb = len(data) / 1_000_000
        return (
            f"too large ({mb:.1f} MB > {max_bytes / 1_000_000:.1f} MB; raise DOCQA_MAX_PAGE_BYTES)"
        )
    if b"\x00" in data[:65536]:
        return "binary file, not a text page"
    if not data.strip():
        return "empty page"
    text, _ = decode(data)
    if not text.strip():
        return "empty page"
    return None


def other_reason(path: Path) -> str:
    """Why an entry that is not a readable page was skipped."""
    if path.is_symlink() and path.is_dir():
        return "link to a folder (not followed)"
    if not path.exists():
        return "broken link"
    if path.suffix.lower() == ".md":
        return "file name is not a usable page id"
    return "not a Markdown (.md) file"


def outside(root: Path, path: Path, folders: dict[Path, Path] | None = None) -> str | None:
    """Why a page linking out of the corpus folder is not read (None: a Markdown page is).
    `folders` keeps the real path of each folder seen (and of the root), so a scan resolves
    each folder once and each file only when it is a link."""
    # Evaluation link trees are links to pages; a link to a key or credentials file is not.
    folders = {} if folders is None else folders
    real_root = _real(root, folders)
    real = path.resolve() if path.is_symlink() else _real(path.parent, folders) / path.name
    if real.is_relative_to(real_root) or real.suffix.lower() == ".md":
        return None
    return "link out of the corpus folder to a file that is not a page (not followed)"


def _real(folder: Path, seen: dict[Path, Path]) -> Path:
    if folder not in seen:
        seen[folder] = folder.resolve()
    return seen[folder]


def scan(root: Path, max_bytes: int) -> Scan:
    """Hash and check every page file under root; byte-identical copies are skipped."""
    if not root.is_dir():
        raise FolderNotFoundError(
            f"Corpus folder {root} does not exist. Get the pages with `docqa corpus fetch` "
            "(or `--from DIR`), or point to a folder with --corpus DIR."
        )
    sources, others = discover(root)
    files: list[PageFile] = []
    skipped = [Skipped(str(p.relative_to(root)), other_reason(p)) for p in others]
    warnings: list[str] = []
    seen: dict[str, str] = {}
    folders: dict[Path, Path] = {}
    for source in sources:
        name = str(source.path.relative_to(root))
        if escape := outside(root, source.path, folders):
            skipped.append(Skipped(name, escape))
            continue
        try:
            data = source.path.read_bytes()
        except OSError as exc:
            skipped.append(Skipped(name, f"unreadable ({exc.strerror})"))
            continue
        reason = check(source.path, data, max_bytes)
        if reason:
            skipped.append(Skipped(name, reason))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            skipped.append(Skipped(name, f"byte-identical copy of {seen[digest]}"))
            continue
        seen[digest] = source.id
        if decode(data)[1]:
            warnings.append(f"{name}: not UTF-8; read as Windows-1252")
        files.append(PageFile(source, digest))
    return Scan(files, skipped, warnings)
