"""The evaluation end to end: real pages, fake embedder (fast) or the real model (slow)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from docqa.cli import cli
from docqa.settings import Settings
from eval.questions import DEFAULT_QUESTIONS
from eval.run import EvalOptions, run_eval
from eval.score import DEFAULT_THRESHOLDS, RETRIEVAL, load_thresholds

RECORD_FIELDS = {
    "system", "id", "question", "kind", "split", "expected_pages", "retrieved_pages", "answer",
    "refused", "answerable", "cited_pages", "facts_found", "timings_ms", "hit@1", "rr",
}  # fmt: skip
KMS_QUESTIONS = [
    {
        "id": "k1",
        "question": "Which KMS permission is needed for volume encryption?",
        "expected_pages": ["kms-in-comprehend", "access-control-managing-permissions"],
        "answerable": True,
        "expected_facts": ["kms:CreateGrant"],
        "kind": "identifier",
    },
    {
        "id": "k2",
        "question": "and for the output?",
        "expected_pages": ["access-control-managing-permissions"],
        "answerable": True,
        "expected_facts": [],
        "kind": "follow-up",
        "history": ["Which KMS permission is needed for volume encryption?"],
    },
    {
        "id": "k3",
        "question": "How do I bake sourdough bread?",
        "expected_pages": [],
        "answerable": False,
        "expected_facts": [],
        "kind": "off-topic",
    },
]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_full_run_on_the_real_pages_writes_the_results_folder(
    settings: Settings, security_corpus: Path, tmp_path: Path
) -> None:
    thresholds = write_json(tmp_path / "t.json", {"docqa": {"hit@1": {"min": 1.01}}})
    options = EvalOptions(corpus_dirs=(security_corpus,), thresholds=thresholds)
    result = run_eval(settings, options)

    run_dir = result.run_dir
    assert run_dir.parent == settings.eval_path
    assert (settings.eval_path / "latest").read_text().strip() == run_dir.name
    assert not settings.index_path.exists(), "the main index must stay untouched"
    assert sorted(p.name for p in (run_dir / "charts").iterdir()) == [
        "latency.png", "metrics.png", "pages.png",
    ]  # fmt: skip

    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"] == "fake-hash-384"
    assert config["index"]["pages"] == 16 and config["index"]["build_id"]
    assert len(config["corpus"]["checksum"]) == 64
    assert config["questions"]["file"] == str(DEFAULT_QUESTIONS)
    assert len(config["questions"]["sha256"]) == 64
    assert "git_commit" in config and "llm_api_key" not in config["settings"]

    lines = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    n = len(DEFAULT_QUESTIONS.read_text().splitlines())
    assert len(lines) == 3 * n
    assert {line["system"] for line in lines} == {"docqa", "bm25", "langchain-chroma"}
    for line in lines:
        assert set(line) >= RECORD_FIELDS
        assert line["split"] in ("tune", "test")
        assert "total" in line["timings_ms"]
        if line["answerable"]:
            assert line["hit@1"] in (0.0, 1.0) and 0.0 <= line["rr"] <= 1.0
        else:
            assert line["hit@1"] is None
    baseline = [line for line in lines if line["system"] != "docqa"]
    assert not any(line["refused"] for line in baseline)
    docqa = [line for line in lines if line["system"] == "docqa"]
    assert set(docqa[0]["timings_ms"]) >= {"embed", "retrieve", "answer", "total"}

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary == result.summary
    for system in ("docqa", "bm25", "langchain-chroma"):
        assert set(summary["systems"][system]) >= {"all", "tune", "test", "by_kind", "by_page"}
        assert summary["systems"][system]["all"]["n"] == n
    assert summary["threshold_failures"] == result.failures
    assert result.failures == [
        f"docqa hit@1 {summary['systems']['docqa']['all']['hit@1']:.3f} < min 1.01"
    ]

    report = (run_dir / "report.md").read_text()
    assert "| metric | docqa | bm25 | langchain-chroma |" in report
    assert "### Tune split" in report and "## Per-page hit@1" in report
    assert result.table.splitlines()[2] == "| metric | docqa | bm25 | langchain-chroma |"


def test_copies_in_other_folders_count_as_the_pinned_pages(
    settings: Settings, security_corpus: Path, fixture_pages: Path, tmp_path: Path
) -> None:
    guide = tmp_path / "guides" / "comprehend-developer-guide"
    guide.mkdir(parents=True)
    shutil.copy(security_corpus / "kms-in-comprehend.md", guide)
    shutil.copy(fixture_pages / "widget-rotation.md", guide)
    questions = write_jsonl(tmp_path / "q.jsonl", KMS_QUESTIONS)
    options = EvalOptions(
        questions=questions,
        corpus_dirs=(security_corpus, tmp_path / "guides"),
        thresholds=write_json(tmp_path / "t.json", {}),
        split="all",
    )
    result = run_eval(settings, options)

    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["index"]["pages"] == 17  # the byte-identical copy is indexed once
    pinned = {p.stem for p in security_corpus.glob("*.md")}
    seen = {p for r in result.records for p in (*r.retrieved_pages, *r.cited_pages)}
    assert "kms-in-comprehend" in seen
    assert not any(p.startswith("comprehend-security/") for p in seen)
    assert seen - pinned <= {"guides/comprehend-developer-guide/widget-rotation"}
    tutorial = [r for r in result.records if r.system == "langchain-chroma"]
    assert any("kms-in-comprehend" in r.retrieved_pages for r in tutorial)


def test_cli_prints_the_table_and_fails_on_a_missed_threshold(
    settings: Settings, security_corpus: Path, tmp_path: Path
) -> None:
    env = {"DOCQA_DATA_DIR": str(settings.data_dir), "DOCQA_EMBED_MODEL": settings.embed_model}
    questions = write_jsonl(tmp_path / "q.jsonl", KMS_QUESTIONS)
    strict = write_json(tmp_path / "strict.json", {"docqa": {"refusal_recall": {"min": 1.0}}})
    args = ["eval", "--corpus", str(security_corpus), "--questions", str(questions)]
    runner = CliRunner()

    ok = runner.invoke(
        cli, [*args, "--no-baselines", "--json", "-q", "--thresholds", str(strict)], env=env
    )
    summary = json.loads(ok.stdout)
    assert set(summary["systems"]) == {"docqa"}
    refused = summary["systems"]["docqa"]["all"]["refusal_recall"] == 1.0
    assert ok.exit_code == (0 if refused else 1), ok.output

    never = write_json(tmp_path / "never.json", {"docqa": {"hit@1": {"min": 1.01}}})
    failed = runner.invoke(
        cli, [*args, "--split", "tune", "-q", "--thresholds", str(never)], env=env
    )
    assert failed.exit_code == 1
    assert "| metric | docqa | bm25 | langchain-chroma |" in failed.stdout
    assert "Error: thresholds not met: docqa hit@1" in failed.stderr
    latest = (settings.eval_path / "latest").read_text().strip()
    assert json.loads((settings.eval_path / latest / "summary.json").read_text())["split"] == "tune"

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    broken = runner.invoke(cli, ["eval", "--questions", str(bad), "-q"], env=env)
    assert broken.exit_code == 1
    assert f"Error: {bad}, line 1: missing key" in broken.stderr


@pytest.mark.slow
def test_real_model_meets_the_committed_thresholds(
    tmp_path: Path, security_corpus: Path, real_embedder: object
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    options = EvalOptions(corpus_dirs=(security_corpus,), thresholds=DEFAULT_THRESHOLDS)
    result = run_eval(settings, options, embedder=real_embedder)  # type: ignore[arg-type]
    assert result.failures == [], result.table
    systems = result.summary["systems"]
    for metric, bound in load_thresholds(DEFAULT_THRESHOLDS)["docqa"].items():
        if metric not in RETRIEVAL:
            continue
        best_baseline = max(systems[s]["all"][metric] for s in ("bm25", "langchain-chroma"))
        assert bound["min"] >= best_baseline, f"{metric} threshold is below a baseline"


@pytest.mark.slow
def test_another_embedding_backend_is_scored_side_by_side(
    tmp_path: Path, security_corpus: Path, real_embedder: object
) -> None:
    questions = write_jsonl(tmp_path / "q.jsonl", KMS_QUESTIONS)
    settings = Settings(data_dir=tmp_path / "data")
    options = EvalOptions(
        questions=questions,
        corpus_dirs=(security_corpus,),
        baselines=False,
        thresholds=write_json(tmp_path / "t.json", {}),
        compare_backend="onnx-int8",
    )
    result = run_eval(settings, options, embedder=real_embedder)  # type: ignore[arg-type]
    systems = result.summary["systems"]
    assert list(systems) == ["docqa", "docqa+onnx-int8"]
    assert {r.system for r in result.records} == set(systems)
    other = systems["docqa+onnx-int8"]["all"]
    assert other["hit@1"] == 1.0 and other["refusal_recall"] == 1.0
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["compare_backend"] == "onnx-int8"
    # Its index was built aside with its own identity; the int8 export was made locally.
    assert (settings.models_path / "all-MiniLM-L6-v2+onnx-int8" / "model_qint8.onnx").is_file()
    assert "docqa+onnx-int8" in (result.run_dir / "report.md").read_text()
