"""Obtain the pinned pages: download from the public source, or copy from a folder."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpus.manifest import Manifest, PageSource
from docqa.errors import DocqaError
from docqa.files import write_atomic
from docqa.progress import Notice


class CorpusError(DocqaError):
    """The corpus cannot be obtained; the message says what to do."""


@dataclass(frozen=True)
class FetchReport:
    """What a fetch did, page ids by outcome."""

    dest: str
    source: str
    fetched: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def download(url: str, timeout: float = 20.0) -> bytes:
    """GET one URL."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data: bytes = response.read()
        return data


def _from_folder(page: PageSource, source: Path) -> bytes:
    path = source / f"{page.id}.md"
    if not path.is_file():
        raise CorpusError(f"{path} is missing: the folder given as source must hold all pages.")
    return path.read_bytes()


def _from_network(page: PageSource, get: Callable[[str], bytes]) -> bytes:
    try:
        return get(page.raw_url)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise CorpusError(
            f"Cannot download {page.raw_url} ({exc}). Without network, copy the pages from a "
            "local folder instead: `docqa corpus fetch --from DIR`, or set "
            "DOCQA_CORPUS_SOURCE=DIR (e.g. ../shared/corpus/comprehend-security)."
        ) from exc


def fetch(
    manifest: Manifest,
    dest: Path,
    source: Path | None = None,
    get: Callable[[str], bytes] = download,
    progress: Notice | None = None,
) -> FetchReport:
    """Make `dest` hold every manifest page with the right checksum; idempotent."""
    if source is not None and not source.is_dir():
        raise CorpusError(f"Corpus source {source} is not a folder.")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(f"Cannot create {dest}: {exc.strerror or exc}") from exc
    report = FetchReport(dest=str(dest), source=str(source) if source else manifest.repository)
    for page in manifest.pages:
        target = dest / f"{page.id}.md"
        if target.is_file() and sha256_bytes(target.read_bytes()) == page.sha256:
            report.unchanged.append(page.id)
            continue
        data = _from_folder(page, source) if source else _from_network(page, get)
        if sha256_bytes(data) != page.sha256:
            where = source / f"{page.id}.md" if source else page.raw_url
            raise CorpusError(
                f"Checksum mismatch for {page.id} from {where}: it is not the pinned page "
                f"({manifest.repository}@{manifest.commit[:10]}). To index other pages, "
                "point ingest at them with `docqa ingest --corpus DIR`."
            )
        write_atomic(target, data)
        report.fetched.append(page.id)
        if progress:
            progress(page.id)
    return report
