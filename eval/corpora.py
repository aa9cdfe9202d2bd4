"""Which pages an evaluation runs on: the configured index, or folders indexed aside."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.discover import FolderNotFoundError, discover
from docqa.errors import DocqaError
from ingest.plan import corpus_checksum

if TYPE_CHECKING:
    from docqa.settings import Settings


class CorpusFoldersError(DocqaError):
    """Folders to evaluate on that cannot be told apart."""


@dataclass(frozen=True)
class EvalCorpus:
    """The folder of pages to evaluate on and the settings of the index that holds them."""

    folder: Path
    settings: Settings
    checksum: str
    sources: tuple[str, ...]
    separate_index: bool


def page_files(folders: Sequence[Path]) -> dict[str, Path]:
    """Page id -> file; with several folders each id starts with its folder's name."""
    names = [folder.resolve().name for folder in folders]
    if len(set(names)) != len(names):
        raise CorpusFoldersError(f"Corpus folders must have distinct names, got {', '.join(names)}")
    files: dict[str, Path] = {}
    for folder, name in zip(folders, names, strict=True):
        if not folder.is_dir():
            raise FolderNotFoundError(f"Corpus folder {folder} does not exist")
        for source in discover(folder)[0]:
            page_id = f"{name}/{source.id}" if len(folders) > 1 else source.id
            files[page_id] = source.path.resolve()
    return files


def file_hashes(files: dict[str, Path]) -> dict[str, str]:
    """Page id -> sha256 of the file's bytes."""
    return {pid: hashlib.sha256(path.read_bytes()).hexdigest() for pid, path in files.items()}


def first_copies(files: dict[str, Path], hashes: dict[str, str]) -> dict[str, Path]:
    """The files without byte-identical copies of a page met earlier: a page in several
    folders stays in the folder named first (the 16 pages stay `comprehend-security/...`
    beside their copies in `aws-guides/comprehend-developer-guide/`)."""
    seen: set[str] = set()
    kept: dict[str, Path] = {}
    for page_id, path in files.items():
        if hashes[page_id] not in seen:
            seen.add(hashes[page_id])
            kept[page_id] = path
    return kept


def link_tree(files: dict[str, Path], dest: Path) -> Path:
    """A fresh folder of symlinks, one per page, at `<page id>.md`."""
    if dest.exists():
        shutil.rmtree(dest)
    for page_id, target in files.items():
        link = dest / f"{page_id}.md"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    return dest


def cache_dir(settings: Settings, checksum: str) -> Path:
    """Where pages of this checksum are indexed for evaluation, away from the main index."""
    key = hashlib.sha256(f"{checksum}\n{settings.embedding_id}".encode()).hexdigest()[:16]
    return settings.data_dir / "cache" / "eval" / key


def resolve_corpus(settings: Settings, folders: Sequence[Path] = ()) -> EvalCorpus:
    """The configured corpus and index, or the given folders with an index of their own."""
    if not folders:
        folder = settings.corpus_path
        hashes = file_hashes(page_files([folder])) if folder.is_dir() else {}
        return EvalCorpus(folder, settings, corpus_checksum(hashes), (str(folder),), False)
    everything = page_files(folders)
    hashes = file_hashes(everything)
    files = first_copies(everything, hashes)
    checksum = corpus_checksum({page_id: hashes[page_id] for page_id in files})
    root = cache_dir(settings, checksum)
    folder = folders[0] if len(folders) == 1 else link_tree(files, root / "pages")
    # The separate index is always embedded and local, whatever the main index is.
    local = settings.model_copy(update={"index_dir": root / "index", "chroma_url": None})
    sources = tuple(str(f.resolve()) for f in folders)
    return EvalCorpus(folder, local, checksum, sources, True)
