"""`sciweek check --deploy` is clean with production settings."""
import os
import subprocess
import sys


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set by browser tests
        "SCIWEEK_SECRET_KEY": "k3J#9vQ!xP2m@Lr7Zt$Wb5Nc8Yh^Fd1Gs6Ae4Ru0Io-Kl_Mn+Op",
        "SCIWEEK_HTTPS": "true",
        "SCIWEEK_DEBUG": "false",
        "SCIWEEK_ALLOWED_HOSTS": "kejizhou.example.cn",
        "SCIWEEK_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "sciweek", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
