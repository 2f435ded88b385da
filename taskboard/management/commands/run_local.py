"""`make run`: the whole app in one command — the ASGI server (HTTP and, later, WebSockets
on the in-memory channel layer) plus a Celery worker and celery beat on the on-disk broker, so
mail is really delivered (console + var/mail/*.eml) and scheduled work runs, without the user
starting anything else."""

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from taskboard.site_address import local_address

# Set once run_local has started again with the metrics folder in its environment.
RUN_LOCAL_METRICS_MARK = "TASKBOARD_RUN_LOCAL_METRICS"


class Command(BaseCommand):
    help = "Serve the app and run a Celery worker beside it (the embedded default)."

    def add_arguments(self, parser: CommandParser) -> None:
        # HOST and PORT in the environment (what `make run` passes) are the defaults: the
        # settings derive SITE_URL, the links in mail, from the same two.
        parser.add_argument("--host", default=getattr(settings, "RUN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=getattr(settings, "RUN_PORT", 8000))
        parser.add_argument(
            "--no-worker", action="store_true", help="Don't start the Celery worker nor celery beat."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._metrics_together()
        worker = None if options["no_worker"] else self._start_worker()
        beat = None if options["no_worker"] else self._start_beat()
        try:
            host, port = options["host"], options["port"]
            self.stdout.write(
                f"Taskboard on {local_address(host, port)}/ (listening on {host}:{port}; Ctrl-C stops)"
            )
            self.stdout.write(f"Links in mail: {settings.SITE_URL}/")
            # uvicorn stops on SIGTERM, then raises it again once it has put the previous
            # handler back: with Python's default one the process would die there and leave
            # the worker and beat running. This one unwinds through the `finally` below.
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
            uvicorn.run(
                "taskboard.asgi:application",
                host=options["host"],
                port=options["port"],
                log_level="info",
                lifespan="off",
            )
        finally:
            for process in (beat, worker):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()

    def _metrics_together(self) -> None:
        """One /metrics for the server, the worker and beat: all three write their values to
        var/metrics/ (prometheus_client's multiprocess mode), which the server's /metrics
        reads. The mode is chosen when prometheus_client is imported, which Django's setup
        has done by now: so the folder is emptied (counts of an earlier run would add up)
        and this command starts again, once, in the same process, with it in its
        environment."""
        if os.environ.get(RUN_LOCAL_METRICS_MARK) == "1":
            return
        folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.TASKBOARD_VAR_DIR / "metrics")
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("*.db"):
            leftover.unlink(missing_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
        os.environ[RUN_LOCAL_METRICS_MARK] = "1"
        sys.stdout.flush()
        sys.stderr.flush()
        # This same command again, no shell involved.
        os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606

    def _start_worker(self) -> subprocess.Popen[bytes]:
        for option in ("data_folder_in", "data_folder_out"):
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(option)
            if folder:
                os.makedirs(str(folder), exist_ok=True)
        command = [sys.executable, "-m", "celery", "-A", "taskboard", "worker", "--pool=solo"]
        command += ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        self.stdout.write("Starting the Celery worker (mail is printed here and saved in var/mail/)")
        return subprocess.Popen(command, env=env)

    def _start_beat(self) -> subprocess.Popen[bytes] | None:
        """One beat per var folder: a second `make run` on another port shares the broker
        folder and the schedule, and must not send every scheduled task again. The lock is
        held by this process and dies with it (no stale lock after a crash)."""
        lock_path = settings.TASKBOARD_VAR_DIR / "celerybeat.lock"
        self._beat_lock = lock_path.open("a")
        try:
            fcntl.flock(self._beat_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.stdout.write("Another run_local runs celery beat on this var folder; not starting a second.")
            return None
        command = [sys.executable, "-m", "celery", "-A", "taskboard", "beat", "--loglevel=INFO"]
        schedule_file = getattr(settings, "CELERY_BEAT_SCHEDULE_FILENAME", None)
        if schedule_file:  # on Redis the schedule lives there (taskboard/beat.py)
            command += [f"--schedule={schedule_file}"]
        self.stdout.write("Starting celery beat (the outbox sweep and housekeeping)")
        return subprocess.Popen(command, env=dict(os.environ))


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
