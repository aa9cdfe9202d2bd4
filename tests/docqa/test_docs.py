"""Docs cannot drift: every command has help text and appears in the README."""

from __future__ import annotations

from pathlib import Path

import click

from docqa.cli import cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def commands(group: click.Group, prefix: str = "docqa") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix} {name}"))
        else:
            found.append((f"{prefix} {name}", command))
    return found


def test_every_command_has_help_and_is_in_the_readme() -> None:
    listed = commands(cli)
    assert len(listed) >= 4
    for name, command in listed:
        assert command.help and len(command.help) > 10, name
        assert f"`{name}" in README, f"{name} is missing from README.md"


def test_every_option_has_help() -> None:
    for name, command in commands(cli):
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts[0]} has no help"
