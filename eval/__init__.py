"""Evaluation: question set, metrics, runner, report."""
