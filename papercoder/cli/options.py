"""Command-line options of the run settings, derived from :class:`~papercoder.context.RunContext`'s fields.

The table is RunContext's field metadata, read here and nowhere else:

- ``"commands"``: the commands that take the setting as an option (``run``, ``batch``, ``resume``);
  a field without it is not on the command line.
- ``"cli"``: the option's name when it is not ``--field-name`` (``"--paper-tokens"``).
- ``"help"``: a short help text when the field's ``"description"`` does not suit a command line.
- ``"min"``: the lowest value the option accepts.
- ``"choices"``: the values a text option accepts (any other is refused with the option's name).

:func:`settings_options` adds a command's options to a typer command function; :func:`cli_args` turns settings
back into the arguments of such a command (how ``batch`` starts each paper's ``papercoder run``).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer

from papercoder.context import RunContext

F = TypeVar("F", bound=Callable[..., Any])

# resume: every option is an override of the run's own setting; unset (None) keeps that setting.
OVERRIDES = frozenset({"resume"})


@dataclass(frozen=True)
class Setting:
    """One RunContext field as a command-line option."""

    field: str
    option: str
    type: Any
    default: Any
    help: str
    min: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def is_flag(self) -> bool:
        """Whether the option is an on/off switch (``--cache/--no-cache``)."""
        return self.type is bool


def settings_for(command: str) -> tuple[Setting, ...]:
    """The settings ``command`` takes as options, in RunContext's field order."""
    hints = typing.get_type_hints(RunContext)
    out = []
    for f in dataclasses.fields(RunContext):
        meta = f.metadata
        if command not in meta.get("commands", ()):
            continue
        out.append(Setting(field=f.name, option=meta.get("cli", "--" + f.name.replace("_", "-")), type=hints[f.name],
                           default=f.default, help=meta.get("help") or meta["description"], min=meta.get("min"),
                           choices=tuple(meta.get("choices", ()))))
    return tuple(out)


def _parameter(setting: Setting, override: bool) -> inspect.Parameter:
    """The typer parameter of ``setting`` (for an override: optional, default None)."""
    decl = f"{setting.option}/--no-{setting.option[2:]}" if setting.is_flag else setting.option
    help_text = f"{setting.help} Default: the run's own setting." if override else setting.help
    option = typer.Option(decl, help=help_text, min=setting.min,
                          callback=_one_of(setting.choices) if setting.choices else None)
    kind = setting.type | None if override else setting.type
    return inspect.Parameter(setting.field, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[kind, option],
                             default=None if override else setting.default)


def _one_of(choices: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """An option callback refusing a value not in ``choices`` (unset passes)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return check


def settings_options(command: str) -> Callable[[F], F]:
    """Give a typer command function the options of the settings ``command`` takes.

    The function declares a keyword-only parameter ``settings``; in the command's signature it is replaced by
    one option per setting (at its place, so the help lists them there), and the function receives their values
    as ``settings``: a dict from RunContext field name to value.

    Args:
        command: ``run``, ``batch`` or ``resume`` (whose options override a run's settings, default None).

    Returns:
        The decorator.
    """
    table = settings_for(command)

    def decorate(func: F) -> F:
        own = inspect.signature(func, eval_str=True).parameters
        if "settings" not in own:
            raise TypeError(f"{func.__name__}: declare a keyword-only parameter 'settings'")
        params: list[inspect.Parameter] = []
        for param in own.values():
            if param.name == "settings":
                params.extend(_parameter(s, command in OVERRIDES) for s in table)
            else:
                params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY))

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            settings = {s.field: kwargs.pop(s.field) for s in table}
            return func(**kwargs, settings=settings)

        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return typing.cast(F, wrapper)

    return decorate


def cli_args(settings: dict[str, Any], command: str = "run") -> list[str]:
    """The arguments of ``command`` that give it ``settings`` (field name -> value).

    Switches are always given (``--verify`` or ``--no-verify``); other values only when they differ from the
    default, which the command has anyway.

    Raises:
        KeyError: When a setting is not an option of ``command``.
    """
    table = {s.field: s for s in settings_for(command)}
    args: list[str] = []
    for name, value in settings.items():
        s = table[name]
        if s.is_flag:
            args.append(s.option if value else f"--no-{s.option[2:]}")
        elif value is not None and value != s.default:
            args += [s.option, str(value)]
    return args
