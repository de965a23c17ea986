from sciweek.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.bare.urls"
