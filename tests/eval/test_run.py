"""The evaluation end to end: real pages, fake embedder (fast) or the real model (slow)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.scope import ScopeError
from docqa.cli import cli
from docqa.progress import Step
from docqa.settings import Settings
from eval.questions import TEST_QUESTIONS, TUNE_QUESTIONS, QuestionsError
from eval.run import EvalOptions, load_sets, question_files, run_eval
from tests.support.embedders import FAKE

RECORD_FIELDS = {
    "system", "id", "question", "kind", "split", "expected_pages", "retrieved_pages", "answer",
    "refused", "answerable", "cited_pages", "facts_found", "timings_ms", "hit@1", "rr",
}  # fmt: skip
KMS_QUESTIONS = [
    {
        "id": "k1",
        "question": "What must a job's role be allowed to do in KMS to encrypt its volume?",
        "expected_pages": ["kms-in-comprehend", "access-control-managing-permissions"],
        "answerable": True,
        "expected_facts": ["kms:CreateGrant"],
        "kind": "identifier",
    },
    {
        "id": "k2",
        "question": "and to encrypt what the job writes?",
        "expected_pages": ["access-control-managing-permissions"],
        "answerable": True,
        "expected_facts": [],
        "kind": "follow-up",
        "history": ["What must a job's role be allowed to do in KMS to encrypt its volume?"],
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


def test_question_files_name_given_files_by_stem_and_the_test_file_test(tmp_path: Path) -> None:
    widgets = write_jsonl(tmp_path / "widgets.jsonl", KMS_QUESTIONS)
    gadgets = tmp_path / "more" / "gadgets.jsonl"
    options = EvalOptions(questions=(widgets, gadgets, widgets, TEST_QUESTIONS, TUNE_QUESTIONS))
    assert question_files(options) == [
        ("widgets", widgets),
        ("gadgets", gadgets),
        ("test", TEST_QUESTIONS),
        ("tune", TUNE_QUESTIONS),
    ]


def test_question_files_knows_the_test_file_by_any_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TEST_QUESTIONS.parent)
    relative = Path("..") / TEST_QUESTIONS.parent.name / TEST_QUESTIONS.name
    assert question_files(EvalOptions(questions=(relative,))) == [("test", relative)]


@pytest.mark.parametrize(
    ("split", "names"), [("tune", ["tune"]), ("test", ["test"]), ("all", ["tune", "test"])]
)
def test_without_files_the_split_picks_the_default_sets(split: str, names: list[str]) -> None:
    files = question_files(EvalOptions(split=split))
    assert [name for name, _ in files] == names
    paths = {"tune": TUNE_QUESTIONS, "test": TEST_QUESTIONS}
    assert [path for _, path in files] == [paths[name] for name in names]


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown split 'dev'"):
        question_files(EvalOptions(split="dev"))


def test_load_sets_tags_each_question_with_its_set(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", KMS_QUESTIONS[:2])
    second = write_jsonl(tmp_path / "b.jsonl", KMS_QUESTIONS[2:])
    loaded = load_sets([("tune", first), ("extra", second)])
    assert [(name, q.id) for name, q in loaded] == [("tune", "k1"), ("tune", "k2"), ("extra", "k3")]
    assert loaded[1][1].history == tuple(KMS_QUESTIONS[1]["history"])  # type: ignore[arg-type]


def test_load_sets_refuses_an_id_used_in_two_files(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", KMS_QUESTIONS[:2])
    second = write_jsonl(tmp_path / "b.jsonl", KMS_QUESTIONS[1:])
    with pytest.raises(QuestionsError) as caught:
        load_sets([("tune", first), ("extra", second)])
    message = str(caught.value)
    assert "'k2'" in message and str(first) in message and str(second) in message


def test_full_run_on_the_real_pages_writes_the_results_folder(
    settings: Settings, security_corpus: Path, tmp_path: Path
) -> None:
    thresholds = write_json(tmp_path / "t.json", {"docqa": {"hit@1": {"min": 1.01}}})
    # The tuning file only: tests never read the frozen test file.
    options = EvalOptions(corpus_dirs=(security_corpus,), thresholds=thresholds, split="tune")
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
    (entry,) = config["questions"]
    assert (entry["set"], entry["file"]) == ("tune", str(TUNE_QUESTIONS))
    assert len(entry["sha256"]) == 64
    assert "git_commit" in config and "llm_api_key" not in config["settings"]

    lines = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    n = sum(1 for line in TUNE_QUESTIONS.read_text().splitlines() if line.strip())
    assert len(lines) == 3 * n
    assert {line["system"] for line in lines} == {"docqa", "bm25", "langchain-chroma"}
    for line in lines:
        assert set(line) >= RECORD_FIELDS
        assert line["split"] == "tune"
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
        assert set(summary["systems"][system]) >= {"all", "tune", "by_kind", "by_page"}
        assert "test" not in summary["systems"][system]
        assert summary["systems"][system]["all"]["n"] == n
    assert summary["threshold_failures"] == result.failures
    assert result.failures == [
        f"docqa hit@1 {summary['systems']['docqa']['all']['hit@1']:.3f} < min 1.01"
    ]

    report = (run_dir / "report.md").read_text()
    assert "| metric | docqa | bm25 | langchain-chroma |" in report
    assert "### Questions of `tune`" in report and "## Per-page hit@1" in report
    assert f"tune: `{TUNE_QUESTIONS}`" in report
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
        questions=(questions,),
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


def test_an_evaluation_in_one_guide_scores_every_system_in_that_guide(
    settings: Settings, security_corpus: Path, fixture_pages: Path, tmp_path: Path
) -> None:
    guide = tmp_path / "guides" / "widget-guide"
    shutil.copytree(fixture_pages, guide)
    options = EvalOptions(
        questions=(write_jsonl(tmp_path / "q.jsonl", KMS_QUESTIONS),),
        corpus_dirs=(security_corpus, tmp_path / "guides"),
        thresholds=write_json(tmp_path / "t.json", {}),
        scope="widget-guide",
    )
    result = run_eval(settings, options)
    found = {r.system for r in result.records if r.retrieved_pages}
    assert found == {"docqa", "bm25", "langchain-chroma"}
    for record in result.records:
        assert all(p.startswith("guides/widget-guide/") for p in record.retrieved_pages)
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["settings"]["scope"] == "widget-guide"
    with pytest.raises(ScopeError, match="no guide 'kms'"):
        run_eval(settings, replace(options, scope="kms"))


def test_cli_prints_the_table_and_fails_on_a_missed_threshold(
    settings: Settings, security_corpus: Path, tmp_path: Path
) -> None:
    env = {
        "DOCQA_DATA_DIR": str(settings.data_dir),
        "DOCQA_EMBED_MODEL": settings.embed_model,
        "DOCQA_EMBED_BACKEND": FAKE,
    }
    questions = write_jsonl(tmp_path / "q.jsonl", KMS_QUESTIONS)
    args = ["eval", "--corpus", str(security_corpus), "--questions", str(questions)]
    runner = CliRunner()
    # Bounds whose outcome is known before the run: none at all, and one no score can meet.
    none = write_json(tmp_path / "none.json", {})
    never = write_json(tmp_path / "never.json", {"docqa": {"hit@1": {"min": 1.01}}})

    ok = runner.invoke(
        cli,
        [*args, "--no-baselines", "--json", "--progress", "jsonl", "--thresholds", str(none)],
        env=env,
    )
    assert ok.exit_code == 0, ok.output
    summary = json.loads(ok.stdout)
    steps = [step for line in ok.stderr.splitlines() if (step := Step.from_line(line))]
    n = len(KMS_QUESTIONS)
    assert steps[0].stage == "loading model" and Step("asking (docqa)", n, n) in steps
    assert set(summary["systems"]) == {"docqa"} and summary["threshold_failures"] == []
    assert summary["systems"]["docqa"]["all"]["n"] == len(KMS_QUESTIONS)

    missed = runner.invoke(
        cli, [*args, "--no-baselines", "--json", "-q", "--thresholds", str(never)], env=env
    )
    assert missed.exit_code == 1, missed.output
    summary = json.loads(missed.stdout)  # the JSON is still printed, then the error
    hit = summary["systems"]["docqa"]["all"]["hit@1"]
    assert summary["threshold_failures"] == [f"docqa hit@1 {hit:.3f} < min 1.01"]
    assert "Error: thresholds not met: docqa hit@1" in missed.stderr

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
def test_real_model_beats_both_baselines_on_the_tuning_file(real_index, real_embedder) -> None:  # type: ignore[no-untyped-def]
    # The frozen test file is for `docqa eval` alone (and the CI gate); tests read the tuning file.
    options = EvalOptions(split="tune", thresholds=write_json(real_index.data_dir / "t.json", {}))
    result = run_eval(real_index, options, embedder=real_embedder)
    systems = result.summary["systems"]
    mine = systems["docqa"]["tune"]
    for metric in ("hit@1", "mrr@10", "grounded_fact_coverage"):
        for baseline in ("bm25", "langchain-chroma"):
            assert mine[metric] > systems[baseline]["tune"][metric], (metric, baseline)
    # Baselines never refuse; docqa refuses most unanswerable and few answerable questions.
    assert mine["refusal_recall"] > 0.5 > mine["false_refusal_rate"] * 5


@pytest.mark.slow
def test_another_embedding_backend_is_scored_side_by_side(
    tmp_path: Path, security_corpus: Path, real_embedder: object
) -> None:
    questions = write_jsonl(tmp_path / "q.jsonl", KMS_QUESTIONS)
    settings = Settings(data_dir=tmp_path / "data")
    options = EvalOptions(
        questions=(questions,),
        corpus_dirs=(security_corpus,),
        baselines=False,
        thresholds=write_json(tmp_path / "t.json", {}),
        compare_backend="onnx-int8",
    )
    result = run_eval(settings, options, embedder=real_embedder)  # type: ignore[arg-type]
    systems = result.summary["systems"]
    assert list(systems) == ["docqa", "docqa+onnx-int8"]
    assert {r.system for r in result.records} == set(systems)
    # The int8 export is the same model made smaller: a comparison, not a score to reach.
    records = {(r.system, r.id): r for r in result.records}
    for question in KMS_QUESTIONS:
        full, small = records["docqa", question["id"]], records["docqa+onnx-int8", question["id"]]
        assert small.retrieved_pages[:1] == full.retrieved_pages[:1], question["id"]
        assert small.refused == full.refused, question["id"]
    config = json.loads((result.run_dir / "config.json").read_text())
    assert config["compare_backend"] == "onnx-int8"
    # Its index was built aside with its own identity; the int8 export was made locally.
    assert (settings.models_path / "all-MiniLM-L6-v2+onnx-int8" / "model_qint8.onnx").is_file()
    assert "docqa+onnx-int8" in (result.run_dir / "report.md").read_text()
