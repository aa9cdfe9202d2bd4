"""Requests docqa does not help with: getting around security (others' keys, someone else's
data, breaking encryption) or hiding what one does from its owner or its logs. They are refused
whatever the pages say, with the reason."""

from __future__ import annotations

import re

REASON = "it asks for help to get around security or to hide activity, which docqa does not give"
_MISUSE = re.compile(
    r"\bbrute[- ]?forc|\bcrack(?:ing)? (?:the|a|an|their|its|that)\b|\bexfiltrat|\bsteal"
    r"|\bcover (?:my|our) tracks\b"
    r"|\b(?:leaked|stolen)\b[^.?!]{0,30}\b(?:keys?|credentials?|creds|tokens?|passwords?)\b"
    r"|\b(?:someone(?: else)?'s|other people's|another (?:person|company|customer)'s)\b"
    r"[^.?!]{0,40}\b(?:keys?|credentials?|creds|data|buckets?|accounts?)\b"
    r"|\b(?:without|so(?: that)?)\b[^.?!]{0,30}\b(?:them|anyone|anybody|nobody|no one|they|"
    r"the (?:owner|client|customer|victim|admin|administrator)s?)\b[^.?!]{0,30}"
    r"\b(?:notic|know|find(?:s|ing)? out|see|seeing|detect|catch|trac)"
    r"|\b(?:without|so(?: that)?)\b[^.?!]{0,20}\b(?:my|our) (?:calls?|activity|access|actions?|"
    r"requests?|tracks)\b[^.?!]{0,20}\b(?:show|appear|log|record|notic|detect|trac|visible)"
    r"|\bso (?:that )?[^.?!]{0,40}\b(?:can't|cannot|can not|won't|will not|never)\b[^.?!]{0,10}"
    r"\b(?:tell|know|notice|see|detect|find out|trace)"
    r"|\b(?:disable|turn off|stop|delete|erase|wipe|tamper with)\b[^.?!]{0,20}\b(?:their|the "
    r"client's|the victim's|someone's)\b[^.?!]{0,20}\b(?:logs?|logging|trails?|audit|monitoring)",
    re.IGNORECASE,
)


def misuse(question: str) -> bool:
    """Whether a question asks for help to misuse access or to hide activity."""
    return bool(_MISUSE.search(question))
