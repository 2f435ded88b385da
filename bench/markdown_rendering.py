"""Time render_markdown (taskboard/markdown_rendering.py) on hostile inputs (issue 12).

Each input is a piece repeated 1,000, 10,000 and 100,000 times (the other inputs are about
4, 40 and 400 thousand characters long), and cut to exactly 20,000 characters (the longest
description; comments hold 10,000). The 100,000-fold texts are longer than any text the
app renders; they are here to show the growth. Each figure is the best of --runs
renderings (of fewer when they take over 3 s). Checks: every input under --budget ms at
20,000 characters, and ten times the text costing at most --max-growth (20) times the time
(times under 1 ms counted as 1 ms), but for one step alone: a steep step followed by one
that is not (the last step is then followed by a 1,000,000-fold text) is a constant
factor, such as the text's nodes no longer fitting in the CPU's caches.

    .venv/bin/python bench/markdown_rendering.py [--runs 3] [--budget 50] [--before] [--clock cpu]

Times are the process's CPU time (--clock cpu, the default): on a machine shared with other
work, the time spent waiting for a CPU is no rendering; --clock wall counts it.

--before also times Python-Markdown as the app used it before issue 12 (if the package is
still installed), in a child process stopped after --before-timeout seconds. Results:
docs/benchmarks.md.
"""

import argparse
import importlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

# The project on the path. (No script in bench/ may be named after a package: Python puts
# the script's folder first, and a bench/markdown.py once hid Python-Markdown from DRF.)
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent), *(entry for entry in sys.path if Path(entry or ".").resolve() != HERE)]

LIMIT = 20000
FOLDS = (1000, 10000, 100000)


def nested_lists(length: int) -> str:
    """Lists nested 40 deep ("  " * i + "- x"), again and again, to `length` characters."""
    block = "".join("  " * level + "- x\n" for level in range(40))
    return (block * (length // len(block) + 1))[:length]


def nested_by_indentation(length: int) -> str:
    """One list nested as deep as `length` characters allow ("  " * i + "- x" for i = 0, 1, ...)."""
    lines, used, level = [], 0, 0
    while used < length:
        lines.append("  " * level + "- x\n")
        used += len(lines[-1])
        level += 1
    return "".join(lines)[:length]


def reopened(length: int) -> str:
    """length / 50 formatting elements left open, closed around by a block: html5ever re-opens
    each of them in every block after (<div>x</div> to the length)."""
    opened = "<div>" + "".join(f"<b id={i}>" for i in range(length // 50)) + "</div>"
    rest = "<div>x</div>" * ((length - len(opened)) // 12 + 1)
    return (opened + rest)[:length]


# The same within MAX_RAW_HTML_TAGS (200): 66 elements re-opened in 66 blocks, then paragraphs.
REOPENED = "<div>" + "".join(f"<b id={i}>" for i in range(66)) + "</div>" + "<div>x</div>" * 66 + "\n\n"


def wide_table(length: int) -> str:
    """A header row length / 20 columns wide over one-character rows, each padded with empty
    cells to the header's width."""
    columns = length // 20
    table = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + "x\n" * length
    return table[:length]


PIECES = [
    "[", "![", "*", "_", "`", ">", "1. ", "> ", "- ", "- > ", "[a](", "**a", "a*", "`a", "\n", "a\n",
    "| a |\n", "<b>", "<a>", "<ol>", "<ul>", "<div>", "<ol><li>", "<blockquote>",
]  # fmt: skip


def inputs() -> list[tuple[str, Callable[[int], str]]]:
    """Each input's text for a fold: a piece repeated fold times, the others about as long."""

    def repeat(piece: str) -> Callable[[int], str]:
        return lambda n: piece * n

    made: list[tuple[str, Callable[[int], str]]] = [(repr(piece), repeat(piece)) for piece in PIECES]
    made.append(("'[' ... ']'", lambda n: "[" * (n - 1) + "]"))
    made.append(("nested lists", lambda n: nested_lists(4 * n)))
    made.append(("by indentation", lambda n: nested_by_indentation(4 * n)))
    made.append(("reopened", lambda n: reopened(4 * n)))
    made.append(("reopened 66", lambda n: REOPENED + "x\n\n" * n))
    made.append(("wide table", lambda n: wide_table(4 * n)))
    return made


def cut(text_of: Callable[[int], str], length: int) -> str:
    text = text_of(length)
    while len(text) < length:
        text += text
    return text[:length]


# The process's CPU time by default: on a machine shared with other work, waiting for a CPU
# is not rendering (--clock wall counts it too).
clock = time.process_time


def best_ms(render: Callable[[str], str], text: str, runs: int) -> float:
    """The best of `runs` renderings, or of as many as fit in about 3 seconds (at least one)."""
    best = spent = 0.0
    for run in range(runs):
        start = clock()
        render(text)
        took = clock() - start
        best = took if run == 0 else min(best, took)
        spent += took
        if spent > 3:
            break
    return best * 1000


def old_render(text: str) -> str:
    """Python-Markdown configured as taskboard/markdown_rendering.py was before issue 12."""
    import nh3

    markdown = importlib.import_module("markdown")

    from taskboard.markdown_rendering import (
        ALLOWED_ATTRIBUTES,
        ALLOWED_TAGS,
        ALLOWED_URL_SCHEMES,
        DROPPED_WITH_CONTENT,
        LINK_REL,
    )

    html = markdown.markdown(
        text, extensions=["fenced_code", "tables", "sane_lists", "nl2br"], output_format="html"
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _old_in_child(text: str, results: "multiprocessing.Queue[str]") -> None:
    try:
        results.put(f"{best_ms(old_render, text, 1):.0f}")
    except RecursionError:
        results.put("RecursionError")


def before_ms(text: str, timeout: float) -> str:
    results: multiprocessing.Queue[str] = multiprocessing.Queue()
    child = multiprocessing.Process(target=_old_in_child, args=(text, results))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return f"> {timeout * 1000:.0f}"
    return results.get()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=50.0, help="ms allowed at 20,000 characters")
    parser.add_argument("--max-growth", type=float, default=20.0, help="time ratio allowed for 10x the text")
    parser.add_argument("--before", action="store_true", help="also time Python-Markdown, if installed")
    parser.add_argument("--before-timeout", type=float, default=10.0, help="seconds per old rendering")
    parser.add_argument(
        "--clock", choices=["cpu", "wall"], default="cpu", help="the process's CPU time, or elapsed time"
    )
    return parser


def time_input(
    name: str,
    text_of: Callable[[int], str],
    render: Callable[[str], str],
    args: argparse.Namespace,
    *,
    before: bool,
) -> list[str]:
    """Print one input's rows (each fold, then the text cut to LIMIT) and return the checks
    it failed."""
    failures: list[str] = []
    times: dict[int, float] = {}
    folds, steep = list(FOLDS), []
    for fold in folds:  # grows by one fold after a steep last step
        text = text_of(fold)
        times[fold] = best_ms(render, text, args.runs)
        row = f"{name:16} {len(text):8} {times[fold]:9.1f}"
        if before and fold == FOLDS[0]:
            row += f" {before_ms(text, args.before_timeout):>14}"
        elif before:
            row += f" {'':>14}"
        check = ""
        if fold != FOLDS[0]:
            # Under a millisecond the timer and the machine's noise dominate.
            growth = times[fold] / max(times[fold // 10], 1.0)
            ok = growth <= args.max_growth
            check = f"x{growth:.1f} for 10x the text {'ok' if ok else 'STEEP'}"
            if not ok:
                steep.append(fold)
                if fold == folds[-1] and len(folds) == len(FOLDS):
                    folds.append(fold * 10)
        print(f"{row}  {check}", flush=True)
    # One steep step followed by one that is not is a constant factor (the text's
    # nodes no longer fit in the CPU's caches), not growth: quadratic time grows a
    # hundredfold at every step.
    for fold in steep:
        if fold == folds[-1] or fold * 10 in steep:
            failures.append(
                f"{name}: x{times[fold] / max(times[fold // 10], 1.0):.1f} from {fold // 10} to {fold}"
            )
    text = cut(text_of, LIMIT)
    at_limit = best_ms(render, text, args.runs)
    row = f"{name:16} {len(text):8} {at_limit:9.1f}"
    if before:
        row += f" {before_ms(text, args.before_timeout):>14}"
    ok = at_limit <= args.budget
    print(f"{row}  {'ok' if ok else 'OVER'} (budget {args.budget:.0f} ms at {LIMIT:,})", flush=True)
    if not ok:
        failures.append(f"{name}: {at_limit:.0f} ms at {LIMIT:,} characters")
    return failures


def main() -> int:
    args = _parser().parse_args()
    global clock
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskboard.settings.test")
    from taskboard.markdown_rendering import render_markdown

    before = args.before
    if before:
        try:
            # Imported and warmed here, so that the children (forked) time rendering only.
            old_render("warm *up*")
        except ImportError:
            print("Python-Markdown is not installed: no before figures (docs/benchmarks.md has them).")
            before = False

    render_markdown("warm *up*")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start, {args.clock} time")
    header = f"{'input':16} {'length':>8} {'ms':>9}"
    if before:
        header += f" {'before ms':>14}"
    print(header + "  check")
    failures: list[str] = []
    for name, text_of in inputs():
        failures += time_input(name, text_of, render_markdown, args, before=before)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if failures:
        print("Checks failed:\n  " + "\n  ".join(failures))
        return 1
    print("All checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
