"""bench/api.py --served-instructions only: the settings a variant's gunicorn runs with
(BENCH_MARKED_SETTINGS: taskboard.settings.production, or bench.api_baseline_settings for
"without"), plus one URL that no production URLconf has: the callgrind marker
(bench/api_marker_urls.py). Appended after every production pattern, so the URL resolver
never reaches it on the requests that are counted."""

import importlib
import os

_marked = importlib.import_module(os.environ["BENCH_MARKED_SETTINGS"])
globals().update({name: value for name, value in vars(_marked).items() if name.isupper()})

ROOT_URLCONF = "bench.api_marker_urls"

# Under valgrind a request takes some 100 times as long: production's connection age (60 s,
# taskboard/db/config.py) would close the worker's connection to PostgreSQL (and lose its
# prepared statements) every few hundred requests rather than every ~25,000, in one counted
# part and not another. Kept for the whole run instead, in both variants.
DATABASES = {alias: {**config, "CONN_MAX_AGE": None} for alias, config in _marked.DATABASES.items()}
