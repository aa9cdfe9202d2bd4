"""The neighbouring pages' section headings, embedded at ingest. Neighbouring pages are
documentation that is not indexed but sits next to it (the rest of a guide, related guides):
docqa never answers from them, but their headings let it recognise a question that one of
them answers instead of the indexed pages (corpus/guides.py obtains the pages).

A heading's vector depends only on the model, so every heading embedded on a machine is kept
in a per-model cache: a rebuild embeds only headings new to the machine. Each page's headings
are kept there too, by the page's hash: a rebuild parses only pages new to the machine."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from corpus.discover import FolderNotFoundError
from docqa.files import open_atomic, write_atomic
from docqa.progress import Progress
from ingest.markdown import parse
from ingest.models import HEADING_JOIN
from ingest.sources import Scan, decode
from ingest.vectors import Encode, fill, stack

FILE, CACHE = "neighbours.npz", "headings.npz"
PAGE_HEADINGS = "page-headings.json"  # each neighbouring page's headings, by its hash
BATCH = 512


@dataclass(frozen=True)
class Neighbours:
    """Section headings of the neighbouring pages, each with its page and embedding."""

    pages: tuple[str, ...]
    headings: tuple[str, ...]
    vectors: np.ndarray[Any, np.dtype[np.float32]]

    def save(self, folder: Path) -> None:
        """Write beside a build (atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        names = json.dumps({"pages": self.pages, "headings": self.headings})
        with open_atomic(folder / FILE) as out:
            np.savez(out, names=np.array([names]), vectors=self.vectors)

    @classmethod
    def load(cls, folder: Path) -> Neighbours | None:
        """The saved neighbours, or None when the build has none."""
        path = folder / FILE
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            names = json.loads(str(data["names"][0]))
            vectors = np.asarray(data["vectors"], dtype=np.float32)
        return cls(tuple(names["pages"]), tuple(names["headings"]), vectors)


@dataclass(frozen=True)
class Indexed:
    """What the index itself holds: a neighbouring page or heading equal to one is left out."""

    hashes: Collection[str]
    page_names: Collection[str]  # file stems of the indexed pages
    headings: Collection[str]


def folder_checksum(found: Scan) -> str:
    """One hash over the ids and contents of a scanned folder's pages."""
    import hashlib

    files = {f.source.id: f.sha256 for f in found.files}
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def check_folder(folder: Path | None) -> None:
    """A neighbours folder that was set must exist (the error says which setting)."""
    if folder is not None and not folder.is_dir():
        raise FolderNotFoundError(
            f"Neighbouring pages folder {folder} does not exist. Point DOCQA_NEIGHBOURS_DIR at "
            "a folder of pages that are not indexed (e.g. ../shared/corpus/aws-guides), or set "
            "DOCQA_USE_NEIGHBOURS=0 to go without."
        )


def neighbour_headings(
    found: Scan, indexed: Indexed, cache: Path | None = None
) -> tuple[list[tuple[str, str]], int]:
    """(page id, heading path) of every section of the scanned neighbouring pages, leaving
    out pages that are indexed (same bytes, or a version of an indexed page: same file name)
    and headings the index has; also says how many pages were read. A page's headings are
    kept in `cache` by its hash, so a rebuild parses only pages new to the machine."""
    from ingest.chunk import CHUNKER_VERSION  # here: the query path never loads the splitters

    known = _load_headings(cache)
    stored = set(known)
    seen: dict[str, list[str]] = {}
    out: dict[tuple[str, str], None] = {}
    pages = 0
    for page_file in found.files:
        page_id = page_file.source.id
        if page_file.sha256 in indexed.hashes or page_id.rsplit("/", 1)[-1] in indexed.page_names:
            continue
        pages += 1
        key = f"{CHUNKER_VERSION}:{page_file.sha256}"
        if key not in known:
            text, _ = decode(page_file.source.path.read_bytes())
            parsed = parse(text, page_id, "").sections
            known[key] = [HEADING_JOIN.join(section.path) for section in parsed]
        seen[key] = known[key]
        for heading in known[key]:
            if heading and heading not in indexed.headings:
                out[(page_id, heading)] = None
    if cache is not None and seen.keys() != stored:  # pages new, changed or gone
        with contextlib.suppress(OSError):  # a cache: an unwritable one only costs time
            _save_headings(cache, seen)
    return list(out), pages


def _load_headings(folder: Path | None) -> dict[str, list[str]]:
    path = None if folder is None else folder / PAGE_HEADINGS
    if path is None or not path.is_file():
        return {}
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_headings(folder: Path, table: dict[str, list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / PAGE_HEADINGS, orjson.dumps(table))


def embed_headings(
    pairs: Sequence[tuple[str, str]],
    encode: Encode,
    cache: Path,
    progress: Progress | None = None,
) -> tuple[Neighbours, int]:
    """Embed the headings through the model's cache; says how many were embedded."""
    known = _load_cache(cache)
    headings = [h for _, h in pairs]
    embedded = fill(headings, known, encode, "embedding neighbour headings", progress, BATCH)
    if embedded:
        with contextlib.suppress(OSError):  # a cache: an unwritable one only costs time
            _save_cache(cache, known)
    vectors = stack([known[h] for h in headings])
    return Neighbours(tuple(p for p, _ in pairs), tuple(headings), vectors), embedded


def _load_cache(folder: Path) -> dict[str, np.ndarray[Any, np.dtype[np.float32]]]:
    path = folder / CACHE
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            texts = json.loads(str(data["texts"][0]))
            return dict(zip(texts, np.asarray(data["vectors"], dtype=np.float32), strict=True))
    except (OSError, ValueError, KeyError):
        return {}


def _save_cache(folder: Path, table: dict[str, np.ndarray[Any, np.dtype[np.float32]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    texts = sorted(table)
    with open_atomic(folder / CACHE) as out:
        np.savez(
            out, texts=np.array([json.dumps(texts)]), vectors=np.vstack([table[t] for t in texts])
        )
