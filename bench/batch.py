"""Batch benchmark: `optout batch` against a naive one-document-per-letter WeasyPrint loop, in one run.

    python bench/batch.py                 # 100 clients x 5 brokers PDF, plus 2,000 x 5 txt+eml
    python bench/batch.py --large         # also a 2,000-letter PDF batch and a 10,000-letter txt+eml batch

(a) naive: for each letter, the same letter HTML optout produces, rendered alone by WeasyPrint on one core.
    By default a sample of the letters is timed (--naive-sample), since its cost per letter is flat.
(b) `optout batch` as a user runs it (a subprocess, --jobs = CPUs), producing per-letter PDFs, packets and
    the manifest. Peak memory is the largest total RSS of the batch's process tree, sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optout.catalog import default_catalog  # noqa: E402
from optout.clients import (  # noqa: E402
    COLUMNS,
    EXAMPLE_ROW,
    row_to_profile_data,
)
from optout.letters import compose  # noqa: E402
from optout.models import Profile, RequestKind  # noqa: E402

BROKERS = ["acxiom", "experian", "lexisnexis-risk-solutions", "penlink", "spokeo"]
STATES = ["CA", "VA", "TX", "FL", "CO", "OR", "NJ", "MN"]
DATE = dt.date(2026, 11, 27)


def synthetic_rows(count: int) -> list[dict]:
    rows = []
    for index in range(count):
        state = STATES[index % len(STATES)]
        rows.append(dict(EXAMPLE_ROW) | {
            "client_id": f"B-{index:05d}", "full_name": f"Client {index} Example", "residence_state": state,
            "email": f"client{index}@example.org", "phone": f"+1 202 555 {index % 10000:04d}", "state": state,
            "postal_code": f"{10000 + index % 89999:05d}", "language": "es" if index % 3 == 0 else "en", "aliases": "",
        })
    return rows


def write_clients(path: Path, count: int) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(synthetic_rows(count))
    return path


def tree_rss_bytes(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def run_batch(csv_path: Path, out: Path, formats: str, jobs: int) -> tuple[float, int]:
    command = [sys.executable, "-m", "optout", "batch", str(csv_path), "--brokers", ",".join(BROKERS), "--out", str(out),
               "--date", DATE.isoformat(), "--format", formats, "--jobs", str(jobs), "--quiet"]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    process.wait()
    elapsed = time.perf_counter() - start
    sampler.join()
    if process.returncode not in (0,):
        raise SystemExit(f"optout batch failed with exit code {process.returncode}")
    return elapsed, peak


def naive_rate(count: int, sample: int) -> float:
    from weasyprint import HTML

    from optout.render import html

    catalog = default_catalog()
    letters = []
    for row in synthetic_rows(count):
        profile = Profile.model_validate(row_to_profile_data(row))
        for broker_id in BROKERS:
            letters.append(compose(profile, catalog.broker(broker_id), RequestKind.DELETE, DATE, catalog))
            if sample and len(letters) >= sample:
                break
        if sample and len(letters) >= sample:
            break
    documents = [html.render_string(letter) for letter in letters]
    HTML(string=documents[0]).write_pdf()  # warm-up: imports and font discovery are not per-letter costs
    start = time.perf_counter()
    for document in documents:
        HTML(string=document).write_pdf()
    return len(documents) / (time.perf_counter() - start)


def mib(value: int) -> str:
    return f"{value / 2**20:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--naive-sample", type=int, default=100, help="letters timed in the naive loop (0 = all)")
    parser.add_argument("--text-clients", type=int, default=2000)
    parser.add_argument("--large", action="store_true", help="also 2,000 PDF letters and 10,000 txt+eml letters")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="optout-bench-"))
    try:
        letters = args.clients * len(BROKERS)
        print(
            f"machine: {os.cpu_count()} CPUs; batch --jobs {args.jobs}; "
            f"{args.clients} clients x {len(BROKERS)} brokers = {letters} letters"
        )
        naive = naive_rate(args.clients, args.naive_sample)
        print(f"(a) naive, one WeasyPrint document per letter, 1 core: {naive:7.1f} letters/s")
        elapsed, peak = run_batch(write_clients(work / "pdf.csv", args.clients), work / "pdf", "pdf", args.jobs)
        batch_rate = letters / elapsed
        print(
            f"(b) optout batch --format pdf:                        {batch_rate:7.1f} letters/s "
            f"({elapsed:.1f} s, peak memory {mib(peak)}; also writes a packet per client)"
        )
        print(f"ratio (b)/(a): {batch_rate / naive:.1f}")

        text_letters = args.text_clients * len(BROKERS)
        elapsed, peak = run_batch(write_clients(work / "text.csv", args.text_clients), work / "text", "txt,eml", args.jobs)
        print(
            f"txt+eml: {text_letters} letters in {elapsed:.1f} s = {text_letters / elapsed:.0f} letters/s, "
            f"peak memory {mib(peak)}"
        )

        if args.large:
            for label, clients, formats in (("PDF", 400, "pdf"), ("txt+eml", 2000, "txt,eml")):
                shutil.rmtree(work / "large", ignore_errors=True)
                elapsed, peak = run_batch(write_clients(work / "large.csv", clients), work / "large", formats, args.jobs)
                print(f"large {label}: {clients * len(BROKERS)} letters in {elapsed:.1f} s, peak memory {mib(peak)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
