"""`docqa tune`: the command prints what eval.tune.run_tune found."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from docqa.settings import Settings
from eval.tune import GRID
from tests.support.embedders import fake_env

QUESTION = {
    "id": "t1",
    "question": "Which KMS permissions does Amazon Comprehend need to encrypt a job's output?",
    "expected_pages": ["kms-in-comprehend"],
    "answerable": True,
    "expected_facts": [],
    "kind": "lookup",
}


def run(settings: Settings, *args: str) -> Result:
    from docqa.cli import cli

    env = fake_env(settings.data_dir, settings.embed_model)
    return CliRunner().invoke(cli, list(args), env=env)


def test_tune_prints_the_best_weights_and_where_to_set_them(
    fake_index: Settings, tmp_path: Path
) -> None:
    questions = tmp_path / "tune.jsonl"
    questions.write_text(json.dumps(QUESTION) + "\n", encoding="utf-8")
    result = run(fake_index, "tune", "-q", "--json", "--questions", str(questions))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["questions"] == 1 and set(data["best"]) == set(GRID)
    text = run(fake_index, "tune", "-q", "--questions", str(questions)).stdout
    assert text.startswith("best on 1 answerable tuning questions: ")
    assert f"(MRR@10 {data['mrr@10']}; now {data['current']['mrr@10']})" in text
