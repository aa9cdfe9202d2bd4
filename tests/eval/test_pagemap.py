"""A byte-identical copy of a pinned page, in another folder, counts as that page."""

from __future__ import annotations

from eval.pagemap import canonical_ids, manifest_hashes, map_pages

PINNED = {"kms-in-comprehend": "aaa", "usingVPC": "bbb"}


def test_copy_with_same_stem_and_bytes_maps_to_the_pinned_id() -> None:
    mapping = canonical_ids(
        {
            "aws-guides/comprehend-developer-guide/kms-in-comprehend": "aaa",
            "comprehend-security/usingVPC": "bbb",
            "kms-in-comprehend": "aaa",
        },
        PINNED,
    )
    assert mapping == {
        "aws-guides/comprehend-developer-guide/kms-in-comprehend": "kms-in-comprehend",
        "comprehend-security/usingVPC": "usingVPC",
        "kms-in-comprehend": "kms-in-comprehend",
    }


def test_changed_bytes_or_other_stem_keep_their_own_id() -> None:
    mapping = canonical_ids(
        {
            "revised/kms-in-comprehend": "changed",
            "guide/kms-in-comprehend-2": "aaa",
            "iam-user-guide/id_roles": "ccc",
        },
        PINNED,
    )
    assert all(key == value for key, value in mapping.items())


def test_map_pages_renames_and_keeps_first_occurrences() -> None:
    mapping = {"g/kms-in-comprehend": "kms-in-comprehend"}
    ranked = ["g/kms-in-comprehend", "kms-in-comprehend", "usingVPC", "other"]
    assert map_pages(ranked, mapping) == ("kms-in-comprehend", "usingVPC", "other")


def test_manifest_hashes_cover_the_sixteen_pages() -> None:
    hashes = manifest_hashes()
    assert len(hashes) == 16 and "kms-in-comprehend" in hashes
    assert all(len(sha) == 64 for sha in hashes.values())
