"""Options several commands share, as decorators (one definition each, one help style)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class Decorator(Protocol):
    """What click.option gives back: a decorator that keeps the command's type."""

    def __call__(self, func: F, /) -> F: ...


def output_options(func: F) -> F:
    """--json and --quiet: what every data command prints."""
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(func)
    func = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")(func)
    return func


def folder_option(*decls: str, **attrs: Any) -> Decorator:
    """An option naming a folder (a file there is a usage error)."""
    return click.option(*decls, type=click.Path(path_type=Path, file_okay=False), **attrs)


def file_option(*decls: str, exists: bool = False, **attrs: Any) -> Decorator:
    """An option naming a file (a folder there is a usage error)."""
    kind = click.Path(path_type=Path, dir_okay=False, exists=exists)
    return click.option(*decls, type=kind, **attrs)


def corpus_option(help: str, multiple: bool = False) -> Decorator:
    """--corpus: a folder of pages (`corpus_dirs`, a tuple, when repeatable)."""
    name = "corpus_dirs" if multiple else "corpus_dir"
    return folder_option("--corpus", name, multiple=multiple, help=help)


def questions_option(help: str, multiple: bool = False, exists: bool = False) -> Decorator:
    """--questions: a questions file (JSON Lines)."""
    return file_option("--questions", multiple=multiple, exists=exists, help=help)
