"""gunicorn runs with --preload (bin/demo, docs/architecture.md): the master imports the app and
every worker is forked from it. So importing the WSGI application must not open a database or
cache connection nor start a thread, which the forked workers would otherwise share."""
import json
import os
import subprocess
import sys

PROBE = """
import json, os, threading
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sciweek.settings")
from sciweek.wsgi import application
from django.db import connections
from django.core.cache import caches
print(json.dumps({
    "open_connections": [c.alias for c in connections.all() if c.connection is not None],
    "caches": [type(c).__name__ for c in caches.all(initialized_only=True)],
    "threads": [t.name for t in threading.enumerate() if t is not threading.main_thread()],
}))
"""


def test_importing_the_wsgi_application_opens_nothing_a_fork_would_share(tmp_path):
    env = {**os.environ, "SCIWEEK_VAR_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120,  # noqa: S603
                         check=True)
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state == {"open_connections": [], "caches": [], "threads": []}
