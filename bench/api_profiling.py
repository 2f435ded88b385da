"""bench/api.py --profile: py-spy samples of every gunicorn worker while wrk runs a
scenario, and their summary."""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
import time
from pathlib import Path

from api_fixture import Fixture
from api_measurement import run_wrk
from api_scenarios import Scenario
from api_stack import PROJECT_DIR, Stack


def profile(
    stack: Stack, scenario: Scenario, fx: Fixture, out_dir: Path, *, seconds: float, threads: int
) -> Path:
    """py-spy samples every gunicorn worker while wrk runs the scenario: collapsed stacks
    (one line per stack, `frame;frame;... count`) in out_dir/<scenario>.txt. Only samples
    that hold the GIL count: where the CPU goes, not where requests wait for the database."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = out_dir / f"{scenario.name}.txt"
    recorders = []
    for pid in stack.worker_pids():
        argv = [
            py_spy, "record", "--pid", str(pid), "--rate", "250", "--duration", str(round(seconds) + 1),
            "--format", "raw", "--function", "--nonblocking", "--gil",
            "--output", str(out_dir / f"{scenario.name}.{pid}.txt"),
        ]  # fmt: skip
        recorders.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    time.sleep(1)
    run_wrk(stack.base_url, scenario, fx, seconds=seconds, threads=threads)
    parts = []
    for recorder in recorders:
        _, stderr = recorder.communicate(timeout=60)
        if recorder.returncode != 0:
            print(f"  py-spy failed: {stderr.decode(errors='replace')[-500:]}", file=sys.stderr)
    for part in sorted(out_dir.glob(f"{scenario.name}.*.txt")):
        parts.append(part.read_text())
        part.unlink()
    out.write_text("".join(parts))
    return out


# Where the metrics and the logs' request context run (issue 16): prometheus_client,
# django-prometheus, ours, python-json-logger and taskboard/logs/ (the request id middleware,
# the context filter, the redaction of every line).
METRICS_CODE = (
    "prometheus_client/",
    "django_prometheus/",
    "taskboard/metrics/",
    "accounts/active_users.py",
    "pythonjsonlogger/",
    "taskboard/logs/",
)


# Frames every request passes through (server, handler, middleware, DRF dispatch): they
# are in nearly all samples and say nothing about where an endpoint's time goes.
_TRUNK_SHARE = 0.8


def summarize_profile(path: Path, *, top: int = 22) -> str:
    """The functions most samples are in (inclusive, below the frames every request passes
    through) and spend their own time in (self)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = metrics = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short_frame(frame) for frame in stack.split(";")]
        total += count
        if _in_metrics(stack.split(";")):
            metrics += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return "  (no samples)\n"
    below_trunk = [(frame, count) for frame, count in inclusive.most_common() if count < _TRUNK_SHARE * total]
    lines = [f"  {total} samples holding the GIL; {metrics / total:.1%} in the metrics' and logs' code"]
    lines.append("  inclusive (below the request trunk):")
    lines += [f"    {count / total:6.1%}  {frame}" for frame, count in below_trunk[:top]]
    lines.append("  self:")
    lines += [f"    {count / total:6.1%}  {frame}" for frame, count in own.most_common(top // 2)]
    return "\n".join(lines) + "\n"


def _in_metrics(frames: list[str]) -> bool:
    """A sample spent in the metrics: below its innermost metrics frame there is only metrics
    code or the standard library (a lock, struct). The statement wrapper and the active-users
    middleware wrap whole statements and requests: what runs inside them is not theirs."""
    marks = [i for i, frame in enumerate(frames) if any(code in frame for code in METRICS_CODE)]
    if not marks:
        return False
    return all(
        any(code in frame for code in METRICS_CODE)
        or ("/lib/python3" in frame and "site-packages" not in frame)
        for frame in frames[marks[-1] + 1 :]
    )


def _short_frame(frame: str) -> str:
    """`function (/path/to/site-packages/pkg/mod.py:12)` -> `function (pkg/mod.py:12)`."""
    for marker in ("site-packages/", str(PROJECT_DIR) + "/", "/lib/python3"):
        if marker in frame:
            head, _, tail = frame.partition(marker)
            name = head.split(" (")[0]
            return (
                f"{name} ({tail}" if marker != "/lib/python3" else f"{name} (stdlib {tail.split('/', 1)[-1]}"
            )
    return frame
