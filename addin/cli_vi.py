"""Click in Vietnamese: help frame, usage errors, parameter types, and a last-resort error handler.

Why subclasses and not a gettext catalogue: click marks its strings with `gettext.gettext`, i.e.
the process-wide default domain "messages", not a "click" domain. Translating it would mean
taking over that global domain, forcing `LANGUAGE=vi` into the environment (clerks' Windows
machines set no LANG at all) and shipping a compiled .mo; every msgid click rewords in an upgrade
would silently fall back to English, and the type names in the help ("INTEGER RANGE", "PATH")
are not marked for translation at all, nor can a catalogue make "0,3" a number. Instead we use
click's public extension points: `Group.command_class`, `format_usage` / `format_options` /
`format_commands`, parameter types whose `fail` messages are ours, and a `main` that renders
every click exception from its attributes (parameter, option name, suggestions), never from
click's English text.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import math
import os
import pathlib
import platform
import stat
import sys
import tempfile
import traceback
from datetime import datetime
from typing import Any

import click

from addin.text import printable

USAGE_PREFIX = "Cách dùng: "
OPTIONS_METAVAR = "[TÙY CHỌN]"
SUBCOMMAND_METAVAR = "LỆNH [ĐỐI SỐ]..."
HELP_OPTION_HELP = "Hiện hướng dẫn này rồi thoát."
VERSION_OPTION_HELP = "Hiện số phiên bản rồi thoát."
VERSION_MESSAGE = "%(prog)s, phiên bản %(version)s"
LOG_NAME = "tdkt-loi.log"
_LOG_LIMIT = 1_000_000  # bytes; a bigger log is started afresh rather than grown forever


def _number_text(value: float) -> str:
    """A number the Vietnamese way: 0,3 rather than 0.3; 10 rather than 10.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:g}".replace(".", ",") if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------------------------------
# Parameter types: click's own checks, with Vietnamese messages and metavars
class VietnameseType:
    """Shows `metavar` after an option in the help (arguments keep their own names, e.g. MASTER)."""

    metavar = "GIÁ_TRỊ"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str | None:
        return self.metavar if isinstance(param, click.Option) else None


class Text(VietnameseType, click.types.StringParamType):
    """Free text (a unit name, a school year, a decision number)."""


class Path(VietnameseType, click.Path):
    """click.Path with Vietnamese messages: does not exist, is a folder, is a file, no permission."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.file_okay and not self.dir_okay:
            self.kind, self.metavar = "tệp", "TỆP"
        elif self.dir_okay and not self.file_okay:
            self.kind, self.metavar = "thư mục", "THƯ_MỤC"
        else:
            self.kind, self.metavar = "tệp hoặc thư mục", "ĐƯỜNG_DẪN"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not (self.file_okay and self.allow_dash and value in ("-", b"-")):
            shown = os.fsdecode(value)
            target = os.path.realpath(value) if self.resolve_path else value
            try:
                st = os.stat(target)
            except OSError:
                if self.exists:
                    self.fail(f"không tìm thấy {self.kind} \"{shown}\": hãy kiểm tra lại tên và đường dẫn.",
                              param, ctx)
                return super().convert(value, param, ctx)
            if not self.file_okay and stat.S_ISREG(st.st_mode):
                self.fail(f"\"{shown}\" là một tệp, ở đây cần một thư mục.", param, ctx)
            if not self.dir_okay and stat.S_ISDIR(st.st_mode):
                self.fail(f"\"{shown}\" là một thư mục, ở đây cần một tệp.", param, ctx)
            if self.readable and not os.access(target, os.R_OK):
                self.fail(f"không có quyền đọc \"{shown}\".", param, ctx)
            if self.writable and not os.access(target, os.W_OK):
                self.fail(f"không có quyền ghi vào \"{shown}\".", param, ctx)
            if self.executable and not os.access(target, os.X_OK):
                self.fail(f"không có quyền chạy \"{shown}\".", param, ctx)
        return super().convert(value, param, ctx)  # the checks above pass, so click's do too


def parse_decimal(value: Any) -> float:
    """A number as a Vietnamese clerk types it: "0,3", "0.3", "30%" (= 0,3); ValueError otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip()
        percent = text.endswith("%")
        if percent:
            text = text[:-1].strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # the Vietnamese decimal comma, as CauHinh itself writes it
        number = float(text)
        if percent:
            number /= 100
    if not math.isfinite(number):
        raise ValueError(value)
    return number


class _Range:
    """Range checks and their description, in Vietnamese (click's say "0<=x<=1")."""

    min: Any
    max: Any
    min_open: bool
    max_open: bool
    clamp: bool

    def describe_range(self) -> str:
        low = None if self.min is None else _number_text(self.min)
        high = None if self.max is None else _number_text(self.max)
        if low is not None and high is not None:
            if not self.min_open and not self.max_open:
                return f"từ {low} đến {high}"
            return f"lớn hơn {low}{'' if self.min_open else ' hoặc bằng'} và nhỏ hơn {high}" \
                   f"{'' if self.max_open else ' hoặc bằng'}"
        if low is not None:
            return f"lớn hơn {low}" if self.min_open else f"từ {low} trở lên"
        if high is not None:
            return f"nhỏ hơn {high}" if self.max_open else f"không quá {high}"
        return ""

    def check_range(self, number: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        too_low = self.min is not None and (number <= self.min if self.min_open else number < self.min)
        too_high = self.max is not None and (number >= self.max if self.max_open else number > self.max)
        if self.clamp and not (self.min_open or self.max_open):
            if too_low:
                return self.min
            if too_high:
                return self.max
        if too_low or too_high:
            message = f"{_number_text(number)} nằm ngoài khoảng cho phép ({self.describe_range()})."
            self.fail(message, param, ctx)  # type: ignore[attr-defined]
        return number


class Int(VietnameseType, click.types.IntParamType):
    """A whole number."""

    metavar = "SỐ"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            self.fail(f"\"{value}\" không phải là số nguyên (ghi chữ số, ví dụ 10).", param, ctx)


class IntRange(_Range, Int, click.IntRange):
    """A whole number within bounds."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        return self.check_range(Int.convert(self, value, param, ctx), param, ctx)


class Float(VietnameseType, click.types.FloatParamType):
    """A decimal number with a decimal comma or point ("0,3" or "0.3"), or a percentage ("30%")."""

    metavar = "SỐ"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            return parse_decimal(value)
        except ValueError:
            self.fail(f"\"{value}\" không phải là số: ghi số thập phân như 0,3 hoặc 0.3 (hoặc 30%).",
                      param, ctx)


class FloatRange(_Range, Float, click.FloatRange):
    """A decimal number within bounds, e.g. a share between 0 and 1."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        return self.check_range(Float.convert(self, value, param, ctx), param, ctx)


class Choice(VietnameseType, click.Choice):
    """One of a fixed list of values."""

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str | None:
        return "[" + "|".join(map(str, self.choices)) + "]" if isinstance(param, click.Option) else None

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        fold = str if self.case_sensitive else (lambda s: str(s).casefold())
        for choice in self.choices:
            if fold(choice) == fold(value):
                return choice
        self.fail(f"\"{value}\" không phải là một trong các giá trị: {', '.join(map(str, self.choices))}.",
                  param, ctx)


def localize_type(kind: click.ParamType) -> click.ParamType:
    """The Vietnamese twin of one of click's parameter types (the same checks, our messages)."""
    if isinstance(kind, VietnameseType):
        return kind
    if isinstance(kind, click.Path):
        return Path(exists=kind.exists, file_okay=kind.file_okay, dir_okay=kind.dir_okay, writable=kind.writable,
                    readable=kind.readable, resolve_path=kind.resolve_path, allow_dash=kind.allow_dash,
                    path_type=kind.type, executable=kind.executable)
    bounds = lambda r: dict(min=r.min, max=r.max, min_open=r.min_open, max_open=r.max_open, clamp=r.clamp)  # noqa: E731
    if isinstance(kind, click.IntRange):
        return IntRange(**bounds(kind))
    if isinstance(kind, click.FloatRange):
        return FloatRange(**bounds(kind))
    if isinstance(kind, click.types.IntParamType):
        return Int()
    if isinstance(kind, click.types.FloatParamType):
        return Float()
    if isinstance(kind, click.Choice):
        return Choice(kind.choices, case_sensitive=kind.case_sensitive)
    if isinstance(kind, click.types.StringParamType):
        return Text()
    return kind  # boolean flags show no metavar; any other type is caught by tests/test_cli_vi.py


# ---------------------------------------------------------------------------------------------
# The help frame
def _option_record(option: click.Option, ctx: click.Context) -> tuple[str, str]:
    """An option's line in the help: its spellings and metavar, then help with Vietnamese extras."""
    spec = option.get_help_record(ctx)[0]  # the left column has no English once metavars are ours
    extras = []
    show = option.show_default if option.show_default is not None else ctx.show_default
    if isinstance(show, str):
        extras.append(f"mặc định: {show}")
    elif show and not option.is_flag:
        default = option.default
        if isinstance(default, (list, tuple)):
            default = ", ".join(map(str, default))
        if isinstance(default, (str, int, float)) and not isinstance(default, bool) and default != "":
            extras.append(f"mặc định: {_number_text(default) if isinstance(default, float) else default}")
    if isinstance(option.type, _Range):
        extras.append(option.type.describe_range())
    if option.required:
        extras.append("bắt buộc")
    help_text = option.help or ""
    if extras:
        help_text = f"{help_text}  [{'; '.join(extras)}]" if help_text else f"[{'; '.join(extras)}]"
    return spec, help_text


class UnknownCommand(click.UsageError):
    """A command name that is not one of ours."""

    def __init__(self, name: str, suggestions: list[str], ctx: click.Context):
        super().__init__(f"Không có lệnh \"{name}\".", ctx)
        self.command_name, self.suggestions = name, suggestions


class ExtraArguments(click.UsageError):
    """Words on the command line that no argument takes."""

    def __init__(self, extra: list[str], ctx: click.Context):
        super().__init__("Thừa đối số không dùng đến: " + " ".join(extra) + ".", ctx)


class MissingCommand(click.UsageError):
    """Options for the program but no command."""

    def __init__(self, ctx: click.Context):
        super().__init__("Thiếu tên lệnh: hãy ghi một lệnh, ví dụ tdkt validate.", ctx)


class _Vietnamese:
    """What a Vietnamese command and group share: usage line, option list, help option, types."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)
        for param in self.params:  # type: ignore[attr-defined]
            param.type = localize_type(param.type)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_OPTION_HELP
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE_PREFIX)

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        args = [p for p in self.get_params(ctx) if isinstance(p, click.Argument)]  # type: ignore[attr-defined]
        if any(getattr(a, "help", None) for a in args):
            with formatter.section("Đối số"):
                formatter.write_dl([(a.make_metavar(ctx), getattr(a, "help", None) or "") for a in args])

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [_option_record(p, ctx) for p in self.get_params(ctx)  # type: ignore[attr-defined]
                if isinstance(p, click.Option) and not p.hidden]
        if rows:
            with formatter.section("Tùy chọn"):
                formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # click's own "Got unexpected extra arguments" is English: let it pass, then say it ourselves
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)  # type: ignore[misc]
        except click.exceptions.UsageError as exc:
            if exc.ctx is None:  # the option parser raises without one: add it for the usage line
                exc.ctx = ctx
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise ExtraArguments(rest, ctx)
        return rest


class Command(_Vietnamese, click.Command):
    """A click command whose help, usage line and parameter messages are Vietnamese."""


class Group(_Vietnamese, click.Group):
    """The `tdkt` group: Vietnamese help and commands list, and a `main` that never shows a traceback."""

    command_class = Command
    group_class = type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)  # ours (the mixin comes first), which skips click.Group's
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        commands = [(name, cmd) for name, cmd in commands if cmd is not None and not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Lệnh"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in commands])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        # click's own "Missing command." (a group option but no command) is English and comes from invoke
        protected = ctx._protected_args if hasattr(ctx, "_protected_args") else ctx.protected_args
        if not protected and not rest and not ctx.resilient_parsing and not self.invoke_without_command:
            raise MissingCommand(ctx)
        return rest

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        known = self.get_command(ctx, name) is not None or (
            ctx.token_normalize_func is not None and self.get_command(ctx, ctx.token_normalize_func(name)) is not None)
        if not known and not ctx.resilient_parsing and not name.startswith("-"):
            raise UnknownCommand(name, difflib.get_close_matches(name, self.list_commands(ctx)), ctx)
        return super().resolve_command(ctx, args)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """Run the program; every failure ends in a Vietnamese sentence and an exit code, never a traceback."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        _utf8_streams()
        streams, hook = (sys.stdout, sys.stderr), sys.unraisablehook
        sys.stdout, sys.stderr = TerminalSafe(sys.stdout), TerminalSafe(sys.stderr)
        sys.unraisablehook = _log_unraisable(list(args) if args is not None else sys.argv[1:])
        try:
            self._run(args, prog_name, complete_var, **extra)
        finally:
            # A failure can leave objects whose finalizer fails in its turn (a file closed on a full
            # disk); Python would print that traceback at exit, after the clerk's message. Run them
            # now, into the log.
            gc.collect()
            sys.stdout, sys.stderr = streams
            sys.unraisablehook = hook

    def _run(self, args: Any, prog_name: str | None, complete_var: str | None, **extra: Any) -> None:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as exc:
            show_usage_error(exc)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort as exc:
            interrupted = isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt)
            click.echo("Đã dừng theo yêu cầu.", err=True)
            sys.exit(130 if interrupted else 1)
        except KeyboardInterrupt:
            click.echo("\nĐã dừng theo yêu cầu.", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            click.echo(f"Lỗi: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:  # a bug or an input nobody foresaw: a sentence for the clerk, the log for us
            try:
                log = write_error_log(exc, list(args) if args is not None else sys.argv[1:])
            except Exception:  # the handler of last resort must not fail in its turn
                log = None
            report_unexpected(log)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) and not isinstance(result, bool) else 0)


# ---------------------------------------------------------------------------------------------
# Errors, in Vietnamese
def _param_name(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.human_readable_name


def _suggest(candidates: list[str] | None) -> str:
    if not candidates:
        return ""
    if len(candidates) == 1:
        return f" Có phải ý bạn là {candidates[0]}?"
    return f" Có phải ý bạn là một trong: {', '.join(sorted(candidates))}?"


def usage_error_message(exc: click.exceptions.UsageError) -> str:
    """The Vietnamese sentence for one of click's usage errors, built from its attributes."""
    ctx = exc.ctx
    if isinstance(exc, (UnknownCommand, ExtraArguments, MissingCommand)):
        text = exc.message
        return text + _suggest(getattr(exc, "suggestions", None))
    if isinstance(exc, click.exceptions.MissingParameter):
        param = exc.param
        if param is None:
            return "Thiếu một đối số hoặc tùy chọn bắt buộc."
        if isinstance(param, click.Option):
            return f"Thiếu tùy chọn {_param_name(param)}."
        return f"Thiếu đối số {_param_name(param)}."
    if isinstance(exc, click.exceptions.BadParameter):
        hint = exc.param_hint
        if hint is not None and not isinstance(hint, str):
            hint = " / ".join(hint)
        if hint is None and exc.param is not None:
            hint = _param_name(exc.param)
        return f"Giá trị không hợp lệ cho {hint}: {exc.message}" if hint else f"Giá trị không hợp lệ: {exc.message}"
    if isinstance(exc, click.exceptions.NoSuchOption):
        return f"Không có tùy chọn {exc.option_name}.{_suggest(exc.possibilities)}"
    if type(exc).__name__ == "NoSuchCommand":  # click >= 8.4, for names we did not resolve ourselves
        return f"Không có lệnh \"{exc.command_name}\".{_suggest(exc.possibilities)}"  # type: ignore[attr-defined]
    if isinstance(exc, click.exceptions.BadOptionUsage):
        option = next((p for p in (ctx.command.params if ctx else []) if isinstance(p, click.Option)
                       and exc.option_name in (*p.opts, *p.secondary_opts)), None)
        if option is not None and (option.is_flag or option.count):
            return f"Tùy chọn {exc.option_name} không nhận giá trị."
        if option is not None and option.nargs > 1:
            return f"Tùy chọn {exc.option_name} cần {option.nargs} giá trị đi kèm."
        return f"Tùy chọn {exc.option_name} cần một giá trị đi kèm."
    if isinstance(exc, click.exceptions.BadArgumentUsage):
        return "Số giá trị ghi cho một đối số không đúng."
    return f"Lệnh dùng sai ({exc.message})."  # a usage error this module does not know yet


def show_usage_error(exc: click.exceptions.UsageError) -> None:
    """Usage line, where to find help, then the error, on stderr (as click does, in Vietnamese)."""
    ctx = exc.ctx
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # `tdkt` alone: the help
        click.echo(ctx.get_help(), err=True)
        return
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        names = ctx.command.get_help_option_names(ctx) if ctx.command.add_help_option else []
        if names:
            click.echo(f"Gõ \"{ctx.command_path} {max(names, key=len)}\" để xem hướng dẫn.", err=True)
        click.echo("", err=True)
    click.echo(f"Lỗi: {usage_error_message(exc)}", err=True)


def write_error_log(exc: BaseException, args: list[str]) -> pathlib.Path | None:
    """Append the traceback to tdkt-loi.log in the temp folder (or the home folder); its path, or None."""
    try:
        from importlib.metadata import version

        ours = version("tdkt")
    except Exception:
        ours = "?"
    text = (f"=== {datetime.now().isoformat(timespec='seconds')} tdkt {ours}, Python {platform.python_version()}, "
            f"{platform.platform()}\n$ tdkt {' '.join(map(str, args))}\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + "\n")
    for folder in (lambda: pathlib.Path(tempfile.gettempdir()), pathlib.Path.home):
        try:
            path = folder() / LOG_NAME  # Path.home() raises RuntimeError when there is no home folder
            fresh = not path.exists() or path.stat().st_size > _LOG_LIMIT
            with path.open("w" if fresh else "a", encoding="utf-8") as log:
                log.write(text)
            return path
        except (OSError, RuntimeError):
            continue
    return None


def _log_unraisable(args: list[str]) -> Any:
    """A sys.unraisablehook that writes to the error log what Python would print as "Exception ignored"."""

    def hook(unraisable: Any) -> None:
        if unraisable.exc_value is not None:
            with contextlib.suppress(Exception):
                write_error_log(unraisable.exc_value, args)

    return hook


def report_unexpected(log: pathlib.Path | None) -> None:
    click.echo("Đã có lỗi không lường trước, lệnh chưa làm xong.", err=True)
    if log is not None:
        click.echo(f"Chi tiết kỹ thuật đã được ghi vào {log}: hãy gửi tệp này cho người hỗ trợ kỹ thuật.",
                   err=True)
    else:
        click.echo("Không ghi được chi tiết kỹ thuật ra tệp: hãy chụp màn hình này gửi người hỗ trợ kỹ thuật.",
                   err=True)


class TerminalSafe:
    """stdout or stderr with every control character but line feed and tab shown as \\uXXXX.

    The one place names meet the terminal: zip members, attachment names, email subjects, cell
    values and paths typed on the command line all reach it through this stream, whichever
    renderer (or click itself, for usage errors) prints them, so none can slip an escape sequence
    past a renderer that forgot. JSON output stays valid and exact: json.dumps already escapes C0
    and the C1 escapes written here are JSON's own. A carriage return that starts a write is the
    progress line rewinding and is kept.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: Any) -> Any:
        if not isinstance(data, str):
            return self._stream.write(data)  # bytes: let the stream refuse them as it would
        rewind = "\r" if data.startswith("\r") else ""
        return self._stream.write(rewind + printable(data[len(rewind):]))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, flush, fileno, buffer...
        return getattr(self._stream, name)


def _utf8_streams() -> None:
    # Windows consoles default to a legacy code page that cannot print Vietnamese; usage errors and
    # help are printed before any command runs, so this happens first.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(encoding="utf-8")
            except (ValueError, OSError):
                pass
