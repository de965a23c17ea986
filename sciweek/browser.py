"""Playwright helpers for browser tests: Debian's chromium via executable_path (browser
downloads are not available here), screenshots kept under test-artifacts/."""
import os
from pathlib import Path

CHROMIUM = os.environ.get("SCIWEEK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("SCIWEEK_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
