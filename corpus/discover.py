"""Find the page files in a corpus folder and name them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from docqa.errors import PathError

COMPREHEND_URL = "https://docs.aws.amazon.com/comprehend/latest/dg/{page}.html"
# Published homes of the guides in ../shared/corpus/aws-guides, by folder name.
GUIDE_URLS = {
    "comprehend-developer-guide": COMPREHEND_URL,
    "iam-user-guide": "https://docs.aws.amazon.com/IAM/latest/UserGuide/{page}.html",
    "kms-developer-guide": "https://docs.aws.amazon.com/kms/latest/developerguide/{page}.html",
    "cloudtrail-user-guide": "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/{page}.html",
    "s3-userguide": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/{page}.html",
}


class FolderNotFoundError(PathError):
    """A folder of pages that was named does not exist; the message says how to name another."""


@dataclass(frozen=True)
class SourceFile:
    """A candidate page file: its id (path without `.md`), location and published URL."""

    id: str
    path: Path
    url: str


def published_url(page_id: str) -> str:
    """Published URL of a page id (`guide/page` ids use that guide's site)."""
    guide, _, page = page_id.rpartition("/")
    template = GUIDE_URLS.get(guide.rsplit("/", 1)[-1], COMPREHEND_URL)
    return template.format(page=page)


def usable_id(page_id: str) -> bool:
    """True when every part of a page id is a real name (not blank, `.` or `..`)."""
    return all(part.strip(" .") for part in page_id.split("/"))


def discover(root: Path) -> tuple[list[SourceFile], list[Path]]:
    """Markdown files under root (recursively, sorted), and the other entries found there."""
    pages: list[SourceFile] = []
    others: list[Path] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(root)
        if any(part.startswith(".") and part != path.name for part in rel.parts):
            continue
        page_id = rel.with_suffix("").as_posix()
        if not path.is_file() or path.suffix.lower() != ".md" or not usable_id(page_id):
            others.append(path)
            continue
        pages.append(SourceFile(page_id, path, published_url(page_id)))
    return pages, others
