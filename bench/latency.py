"""Start-up latency of the commands an individual runs, as a user runs them (a new process each time), warm.

    python bench/latency.py               # 5 timed runs of each, after one untimed run that warms the caches
    python bench/latency.py --runs 3

Targets (issue 15): `optout --help` under 0.3 s; `optout brokers list` and a txt `optout letter` under 0.6 s.
A PDF letter is timed too, for information (it is the one command that loads WeasyPrint). "Warm" means the
operating system has the files in memory and optout's own caches (the compiled catalog, compiled templates,
the ISO 3166 tables; all in the user's cache folder) and Python's compiled modules (__pycache__, which pip writes
when it installs a package) exist: the state of every run after the first. The untimed run may write __pycache__
even where PYTHONDONTWRITEBYTECODE is set (a checkout run that way compiles optout's modules on every start,
which no installed optout does); --no-bytecode keeps it from doing so.
Wall-clock time is reported with the CPU time of the process, since other work on the machine inflates the first;
a target is met when the median is under it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPTOUT = Path(sys.executable).with_name("optout")
TARGETS = {"optout --help": 0.3, "optout brokers list": 0.6, "optout letter --format txt": 0.6}


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-bytecode", action="store_true", help="Leave PYTHONDONTWRITEBYTECODE as it is for the untimed run.")
    args = parser.parse_args()
    warm_env = None if args.no_bytecode else {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [str(OPTOUT)] if OPTOUT.exists() else [sys.executable, "-m", "optout"]
    work = Path(tempfile.mkdtemp(prefix="optout-latency-"))
    try:
        profile = work / "me.yaml"
        profile.write_text(subprocess.run([*command, "profile", "example"], capture_output=True, text=True, check=True).stdout)
        letter = ["letter", "--profile", str(profile), "--broker", "spokeo", "--date", "2026-11-27", "--out", str(work / "out")]
        cases = {
            "optout --help": ["--help"],
            "optout brokers list": ["brokers", "list"],
            "optout letter --format txt": [*letter, "--format", "txt"],
            "optout letter --format pdf": [*letter, "--format", "pdf"],
        }
        bytecode = (
            "compiled modules as PYTHONDONTWRITEBYTECODE leaves them" if args.no_bytecode and sys.dont_write_bytecode
            else "compiled modules written by the untimed run"
        )
        print(f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}; {args.runs} warm runs each; "
              f"wall s min / median / max (CPU s median); {os.cpu_count()} CPUs; {bytecode}")
        for label, arguments in cases.items():
            timed([*command, *arguments], warm_env)  # warm: caches written, files in memory
            runs = [timed([*command, *arguments]) for _ in range(args.runs)]
            walls = [wall for wall, _ in runs]
            cpu = statistics.median(c for _, c in runs)
            target = TARGETS.get(label)
            median = statistics.median(walls)
            verdict = "" if target is None else f"  target < {target} s: {'met' if median < target else 'NOT met'}"
            print(f"{label:28} {min(walls):.3f} / {median:.3f} / {max(walls):.3f}  (CPU {cpu:.3f}){verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
