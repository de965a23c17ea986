"""What machine and code a benchmark figure came from: CPU model, nproc, RAM, git SHA, date.

    from machine import machine_info          # with bench/ on sys.path
    info = machine_info()                     # {"date": …, "git": …, "nproc": …, "cpu": …, "ram_mb": …}

Reads /proc and the repository's .git files directly (no git process), so it works in a
sandbox without git and never touches the work tree.
"""
import os
import platform
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _git_dir(root: Path) -> Path | None:
    dot_git = root / ".git"
    if dot_git.is_file():  # a worktree: "gitdir: <path>"
        target = dot_git.read_text().strip().removeprefix("gitdir:").strip()
        return (root / target).resolve()
    return dot_git if dot_git.is_dir() else None


def git_sha(root: Path = ROOT, short: bool = True) -> str:
    """HEAD's commit, read from .git (loose ref or packed-refs); "unknown" outside a repository."""
    git = _git_dir(root)
    if git is None:
        return "unknown"
    try:
        head = (git / "HEAD").read_text().strip()
        sha = head
        if head.startswith("ref:"):
            ref = head.split(":", 1)[1].strip()
            common = git
            if (git / "commondir").exists():
                common = (git / (git / "commondir").read_text().strip()).resolve()
            for base in (git, common):
                if (base / ref).exists():
                    sha = (base / ref).read_text().strip()
                    break
            else:
                sha = "unknown"
                for base in (git, common):
                    packed = base / "packed-refs"
                    if packed.exists():
                        for line in packed.read_text().splitlines():
                            if line.endswith(" " + ref):
                                sha = line.split()[0]
    except OSError:
        return "unknown"
    return sha[:10] if short and sha != "unknown" else sha


def machine_info() -> dict:
    return {
        "date": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "git": git_sha(),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "ram_mb": ram_mb(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(machine_info(), ensure_ascii=False, indent=2))
