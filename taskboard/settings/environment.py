"""The environment reader every settings module shares."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[2]
# Runtime state of the embedded default (SQLite file, mail folder, broker folder).
VAR_DIR = Path(environ.Env().str("TASKBOARD_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# A developer's .env is read when present; real deployments set the environment.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
