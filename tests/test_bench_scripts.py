"""Every benchmark script under bench/ starts (imports resolve, arguments parse): a script that cannot start proves
nothing, and nothing else would notice. No timings here."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("script", sorted(path.name for path in BENCH.glob("*.py")))
def test_bench_script_starts(script):
    result = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_every_bench_script_is_checked():
    assert {"batch.py", "latency.py", "web.py", "classify.py"} <= {path.name for path in BENCH.glob("*.py")}
