"""Score each reply against its question, summarise per system and per question set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from eval.metrics import (
    citation_precision,
    citation_recall,
    fact_coverage,
    facts_found,
    grounded_facts,
    hit_at_k,
    lead,
    mean_or_none,
    ndcg_at_k,
    percentile,
    reciprocal_rank,
    refusal_scores,
)
from eval.pagemap import map_pages
from eval.questions import EvalQuestion
from eval.systems import Reply

RETRIEVAL = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10")
ANSWERS = ("fact_coverage", "grounded_fact_coverage", "citation_precision", "citation_recall")
# What a user reads: the facts in an answer's first 300 characters, its length, and how often
# it says the pages lack part of what was asked (an unanswerable question is handled when it
# is refused or so marked).
READS = (
    "lead_fact_coverage",
    "answer_chars_p50",
    "answer_chars_p90",
    "partial_rate",
    "unanswerable_handled",
)
LEAD_CHARS = 300
REFUSALS = (
    "refusal_precision",
    "refusal_recall",
    "refusal_recall_near_miss",
    "refusal_recall_off_topic",
    "false_refusal_rate",
)
FOLLOW_UPS = (
    "follow_up_hit@1",
    "follow_up_lead_fact_coverage",
    "follow_up_fact_coverage",
    "follow_up_grounded_fact_coverage",
    "follow_up_false_refusal_rate",
)
LATENCY = ("latency_p50_ms", "latency_p95_ms")
METRICS = RETRIEVAL + READS + ANSWERS + REFUSALS + FOLLOW_UPS + LATENCY
PER_QUESTION = ("hit@1", "hit@3", "hit@5", "rr", "ndcg@10", "lead_fact_coverage", *ANSWERS)
# Question kinds that some metrics single out.
NEAR_MISS, OFF_TOPIC, FOLLOW_UP = "near-miss", "off-topic", "follow-up"


@dataclass(frozen=True)
class Record:
    """One question answered by one system, scored; page ids are mapped to the pinned ones."""

    system: str
    id: str
    question: str
    kind: str
    split: str
    history: tuple[str, ...]
    answerable: bool
    expected_pages: tuple[str, ...]
    retrieved_pages: tuple[str, ...]
    cited_pages: tuple[str, ...]
    answer: str
    refused: bool
    expected_facts: tuple[str, ...]
    facts_found: tuple[str, ...]
    grounded_facts: tuple[str, ...] = ()
    lead_facts: tuple[str, ...] = ()  # the facts in the first LEAD_CHARS characters read
    answer_chars: int = 0  # the length of what a user reads
    partial: bool = False
    missing: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)

    @property
    def facts_missing(self) -> tuple[str, ...]:
        """The expected facts the answer lacks."""
        return tuple(f for f in self.expected_facts if f not in self.facts_found)

    def to_json(self) -> dict[str, Any]:
        """One line of results.jsonl: the fields, then the per-question scores."""
        data = asdict(self)
        data.update(data.pop("scores"))
        data["timings_ms"] = {k: round(v, 2) for k, v in self.timings_ms.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Record:
        """A line written by `to_json`, read back; what an older line lacks is left empty."""

        def text(key: str) -> str:
            return str(data.get(key, ""))

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key)
            if isinstance(value, str):
                return (value,)
            if isinstance(value, Iterable) and not isinstance(value, Mapping):
                return tuple(str(v) for v in value)
            return ()

        timings = data.get("timings_ms")
        return cls(
            system=text("system"),
            id=text("id"),
            question=text("question"),
            kind=text("kind"),
            split=text("split"),
            history=strings("history"),
            answerable=bool(data.get("answerable", True)),
            expected_pages=strings("expected_pages"),
            retrieved_pages=strings("retrieved_pages"),
            cited_pages=strings("cited_pages"),
            answer=text("answer"),
            refused=bool(data.get("refused", False)),
            expected_facts=strings("expected_facts"),
            facts_found=strings("facts_found"),
            grounded_facts=strings("grounded_facts"),
            lead_facts=strings("lead_facts"),
            answer_chars=int(data.get("answer_chars", 0) or 0),
            partial=bool(data.get("partial", False)),
            missing=strings("missing"),
            timings_ms={
                str(k): float(v)
                for k, v in (timings.items() if isinstance(timings, Mapping) else ())
                if _number(v) is not None
            },
            scores={key: _number(data.get(key)) for key in PER_QUESTION},
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def score(
    system: str, question: EvalQuestion, split: str, reply: Reply, mapping: Mapping[str, str]
) -> Record:
    """Score one reply: retrieval against the expected pages, the answer against the facts."""
    ranked = map_pages(reply.retrieved_pages, mapping)
    cited = map_pages(reply.cited_pages, mapping)
    expected = set(question.expected_pages)
    claims = [(c.text, map_pages(c.pages, mapping)) for c in reply.claims]
    grounded = grounded_facts(claims, question.expected_facts, expected)
    first = facts_found(lead(reply.reading, LEAD_CHARS), question.expected_facts)
    scores: dict[str, float | None] = dict.fromkeys(PER_QUESTION)
    if question.answerable:
        scores.update({f"hit@{k}": hit_at_k(ranked, expected, k) for k in (1, 3, 5)})
        scores["rr"] = reciprocal_rank(ranked, expected, 10)
        scores["ndcg@10"] = ndcg_at_k(ranked, expected, 10)
        scores["fact_coverage"] = fact_coverage(reply.text, question.expected_facts)
        facts_n = len(question.expected_facts)
        scores["lead_fact_coverage"] = len(first) / facts_n if facts_n else 1.0
        facts = question.expected_facts
        scores["grounded_fact_coverage"] = len(grounded) / len(facts) if facts else 1.0
        if not reply.refused:
            scores["citation_precision"] = citation_precision(cited, expected)
            scores["citation_recall"] = citation_recall(cited, expected)
    return Record(
        system=system,
        id=question.id,
        question=question.question,
        kind=question.kind,
        split=split,
        history=question.history,
        answerable=question.answerable,
        expected_pages=question.expected_pages,
        retrieved_pages=ranked,
        cited_pages=cited,
        answer=reply.text,
        refused=reply.refused,
        expected_facts=question.expected_facts,
        facts_found=tuple(facts_found(reply.text, question.expected_facts)),
        grounded_facts=tuple(grounded),
        lead_facts=tuple(first),
        answer_chars=0 if reply.refused else len(reply.reading),
        partial=reply.partial,
        missing=reply.missing,
        timings_ms=dict(reply.timings_ms),
        scores=scores,
    )


def _mean(records: Sequence[Record], key: str) -> float | None:
    return mean_or_none(r.scores.get(key) for r in records)


def metrics(records: Sequence[Record]) -> dict[str, Any]:
    """Every summary metric over one system's records."""
    answerable = [r for r in records if r.answerable]
    refusals = refusal_scores([(r.answerable, r.refused) for r in records])
    totals = [r.timings_ms["total"] for r in records if "total" in r.timings_ms]
    result: dict[str, Any] = {"n": len(records), "n_answerable": len(answerable)}
    result.update({key: _mean(answerable, key) for key in ("hit@1", "hit@3", "hit@5")})
    result["mrr@10"] = _mean(answerable, "rr")
    result["ndcg@10"] = _mean(answerable, "ndcg@10")
    result.update({key: _mean(answerable, key) for key in ANSWERS})
    result.update(reads(records))
    result["refusal_precision"] = refusals.precision
    result["refusal_recall"] = refusals.recall
    result["false_refusal_rate"] = refusals.false_refusal_rate
    for kind in (NEAR_MISS, OFF_TOPIC):
        group = [r.refused for r in records if r.kind == kind and not r.answerable]
        key = "refusal_recall_" + kind.replace("-", "_")
        result[key] = sum(group) / len(group) if group else None
    follow = [r for r in answerable if r.kind == FOLLOW_UP]
    result["follow_up_hit@1"] = _mean(follow, "hit@1")
    result["follow_up_lead_fact_coverage"] = _mean(follow, "lead_fact_coverage")
    result["follow_up_fact_coverage"] = _mean(follow, "fact_coverage")
    result["follow_up_grounded_fact_coverage"] = _mean(follow, "grounded_fact_coverage")
    result["follow_up_false_refusal_rate"] = (
        sum(r.refused for r in follow) / len(follow) if follow else None
    )
    result["latency_p50_ms"] = percentile(totals, 50) if totals else None
    result["latency_p95_ms"] = percentile(totals, 95) if totals else None
    return result


def reads(records: Sequence[Record]) -> dict[str, float | None]:
    """What users read: lead facts, answer lengths, answers marked partial, unanswerable
    questions refused or marked partial."""
    answerable = [r for r in records if r.answerable]
    lengths = [r.answer_chars for r in records if not r.refused]
    unanswerable = [r for r in records if not r.answerable]
    return {
        "lead_fact_coverage": _mean(answerable, "lead_fact_coverage"),
        "answer_chars_p50": percentile(lengths, 50) if lengths else None,
        "answer_chars_p90": percentile(lengths, 90) if lengths else None,
        "partial_rate": sum(r.partial for r in answerable) / len(answerable)
        if answerable
        else None,
        "unanswerable_handled": (
            sum(r.refused or r.partial for r in unanswerable) / len(unanswerable)
            if unanswerable
            else None
        ),
    }


def passed(record: Record) -> bool:
    """An answerable question is passed by a first-ranked expected page, else by a refusal."""
    return bool(record.scores.get("hit@1")) if record.answerable else record.refused


def breakdown(records: Sequence[Record], key: str) -> dict[str, dict[str, Any]]:
    """Per kind or per primary page: count, hit@1 and share passed."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        name = record.kind if key == "kind" else (record.expected_pages or ("(none)",))[0]
        groups.setdefault(name, []).append(record)
    return {
        name: {
            "n": len(group),
            "hit@1": _mean([r for r in group if r.answerable], "hit@1"),
            "passed": sum(passed(r) for r in group) / len(group),
        }
        for name, group in sorted(groups.items())
    }


def question_sets(records: Sequence[Record]) -> list[str]:
    """The question sets (files) of the records, in the order first seen."""
    return list(dict.fromkeys(r.split for r in records))


def summarise(records: Sequence[Record], systems: Sequence[str]) -> dict[str, Any]:
    """Per system: metrics over all questions run and over each question set (file), plus
    breakdowns."""
    summary: dict[str, Any] = {}
    for system in systems:
        mine = [r for r in records if r.system == system]
        entry: dict[str, Any] = {"all": metrics(mine)}
        for name in question_sets(mine):
            entry[name] = metrics([r for r in mine if r.split == name])
        entry["by_kind"] = breakdown(mine, "kind")
        entry["by_page"] = breakdown([r for r in mine if r.answerable], "page")
        summary[system] = entry
    return summary
