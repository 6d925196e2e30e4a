"""Batch benchmark: `optout batch` against a naive one-document-per-letter WeasyPrint loop, in the same run.

    python bench/batch.py                 # 100 clients x 5 brokers PDF (with and without packets), 2,000 x 5 txt+eml
    python bench/batch.py --runs 3        # three runs: min / median / max of each figure
    python bench/batch.py --large         # also peak memory of a 2,000-letter PDF batch and a 10,000-letter txt+eml batch

First it checks that WeasyPrint subsets fonts with HarfBuzz (libharfbuzz-subset0): without it fontTools subsets
them at 10-12 ms a letter, and every PDF figure (the naive loop's most of all) means something else.

(a) naive: each letter rendered alone, exactly as `optout letter --format pdf` renders it (optout.render.pdf), on
    one core, with the same fonts and subsetter, and with the collector paused as the batch pauses it: the
    strongest honest baseline. A sample of the letters is timed (--naive-sample); its cost per letter is flat.
(b) `optout batch --format pdf` as a user runs it (a subprocess, --jobs 2 by default), with a cover sheet and
    packet per client, and with --no-packet (letters only). Per core = letters/s divided by --jobs.
Peak memory is the largest total RSS of the batch's process tree, sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import os
import resource
import shutil
import statistics
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


def harfbuzz_subsetting() -> str | None:
    """None when WeasyPrint subsets fonts with HarfBuzz, else why not."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None:
        return "libharfbuzz-subset is not installed (Debian/Ubuntu: apt-get install libharfbuzz-subset0)"
    if not harfbuzz.hb_version_atleast(4, 1, 0):
        return "HarfBuzz is older than 4.1.0, which WeasyPrint needs to subset with it"
    return None


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


last_cpu = 0.0  # CPU seconds of the last batch's whole process tree (workers included): what contention does not inflate much


def run_batch(csv_path: Path, out: Path, formats: str, jobs: int, *extra: str) -> tuple[float, int]:
    command = [sys.executable, "-m", "optout", "batch", str(csv_path), "--brokers", ",".join(BROKERS), "--out", str(out),
               "--date", DATE.isoformat(), "--format", formats, "--jobs", str(jobs), "--quiet", *extra]
    global last_cpu  # noqa: PLW0603
    cpu_before = children_cpu()
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
    last_cpu = children_cpu() - cpu_before
    sampler.join()
    if process.returncode not in (0,):
        raise SystemExit(f"optout batch failed with exit code {process.returncode}")
    return elapsed, peak


def naive_rate(count: int, sample: int) -> tuple[float, float]:
    """(letters per second, letters per CPU second) of the naive loop."""
    from optout.render import pdf

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
    pdf.render(letters[0])  # warm-up: imports and font discovery are not per-letter costs
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        for letter in letters:
            pdf.render(letter)
        return len(letters) / (time.perf_counter() - start), len(letters) / (time.process_time() - cpu_start)
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()


def mib(value: int) -> str:
    return f"{value / 2**20:.0f} MiB"


def dask_per_worker(csv_path: Path, work: Path, letters: int, workers: int, runs: int) -> None:
    """Letters/s per worker on a Dask cluster (optout[dask]): what sizing a cluster needs."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster:
        rates = []
        for _ in range(runs):
            shutil.rmtree(work / "dask", ignore_errors=True)
            elapsed, _ = run_batch(csv_path, work / "dask", "pdf", 1, "--no-packet", "--executor", "dask",
                                   "--scheduler", cluster.scheduler_address)
            rates.append(letters / elapsed)
    print(f"(d) Dask, {workers} one-thread workers, --no-packet: {spread(rates)} letters/s, "
          f"per worker {spread([r / workers for r in rates])}")


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    """min / median / max of several runs (or the one value)."""
    if len(values) == 1:
        return fmt.format(values[0])
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values))) + " (min / median / max)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1, help="repeat each measurement; figures are min / median / max")
    parser.add_argument("--naive-sample", type=int, default=100, help="letters timed in the naive loop (0 = all)")
    parser.add_argument("--text-clients", type=int, default=2000)
    parser.add_argument("--large", action="store_true", help="also 2,000 PDF letters and 10,000 txt+eml letters")
    parser.add_argument("--dask-workers", type=int, default=0,
                        help="also the PDF batch (--no-packet) on a local Dask cluster of this many one-thread workers")
    args = parser.parse_args()

    problem = harfbuzz_subsetting()
    print(f"HarfBuzz font subsetting: {'active' if problem is None else 'NOT ACTIVE: ' + problem}")
    if problem is not None:
        print("  fontTools subsets instead (10-12 ms a letter): PDF figures below are not comparable with HarfBuzz ones")
    work = Path(tempfile.mkdtemp(prefix="optout-bench-"))
    try:
        letters = args.clients * len(BROKERS)
        print(
            f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}; "
            f"batch --jobs {args.jobs}; {args.clients} clients x {len(BROKERS)} brokers = {letters} letters; {args.runs} run(s)"
        )
        pdf_csv = write_clients(work / "pdf.csv", args.clients)
        text_csv = write_clients(work / "text.csv", args.text_clients)
        text_letters = args.text_clients * len(BROKERS)
        naive, packets, bare, packet_peaks, bare_peaks, texts, text_peaks = [], [], [], [], [], [], []
        naive_cpu, packets_cpu, bare_cpu = [], [], []
        for run in range(args.runs):
            rate, per_cpu = naive_rate(args.clients, args.naive_sample)
            naive.append(rate)
            naive_cpu.append(per_cpu)
            variants = (((), packets, packet_peaks, packets_cpu), (("--no-packet",), bare, bare_peaks, bare_cpu))
            for extra, rates, peaks, cpus in variants:
                shutil.rmtree(work / "pdf", ignore_errors=True)
                elapsed, peak = run_batch(pdf_csv, work / "pdf", "pdf", args.jobs, *extra)
                rates.append(letters / elapsed)
                peaks.append(peak)
                cpus.append(letters / last_cpu)
            shutil.rmtree(work / "text", ignore_errors=True)
            elapsed, peak = run_batch(text_csv, work / "text", "txt,eml", args.jobs)
            texts.append(text_letters / elapsed)
            text_peaks.append(peak)
            print(f"  run {run + 1}: naive {naive[-1]:.1f}, batch {packets[-1]:.1f}, --no-packet {bare[-1]:.1f}, "
                  f"txt+eml {texts[-1]:.0f} letters/s; CPU ms a letter: naive {1000 / naive_cpu[-1]:.1f}, "
                  f"batch {1000 / packets_cpu[-1]:.1f}, --no-packet {1000 / bare_cpu[-1]:.1f}; "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)

        jobs = args.jobs
        print(f"(a) naive, one document per letter as `optout letter`, 1 core:  {spread(naive)} letters/s")
        print(f"(b) optout batch --format pdf --jobs {jobs} (cover + packet per client): {spread(packets)} letters/s, "
              f"per core {spread([r / jobs for r in packets])}, peak memory {mib(max(packet_peaks))}")
        print(f"(c) optout batch --format pdf --jobs {jobs} --no-packet:                 {spread(bare)} letters/s, "
              f"per core {spread([r / jobs for r in bare])}, peak memory {mib(max(bare_peaks))}")
        ratio_b = [p / jobs / n for p, n in zip(packets, naive, strict=True)]
        ratio_c = [b / jobs / n for b, n in zip(bare, naive, strict=True)]
        print(f"per-core ratio to (a), same runs: (b) {spread(ratio_b, '{:.2f}')}, (c) {spread(ratio_c, '{:.2f}')}")
        print("letters per CPU second (all processes of the run; what one idle core would do, whatever the load): "
              f"(a) {spread(naive_cpu)}, (b) {spread(packets_cpu)}, (c) {spread(bare_cpu)}; "
              f"(c) on {jobs} idle cores: {spread([r * jobs for r in bare_cpu])} letters/s")
        print("CPU milliseconds a letter (all processes): "
              f"(a) {spread([1000 / r for r in naive_cpu])}, (b) {spread([1000 / r for r in packets_cpu])}, "
              f"(c) {spread([1000 / r for r in bare_cpu])}")
        print(f"txt+eml, {text_letters} letters --jobs {jobs}: {spread(texts, '{:.0f}')} letters/s, "
              f"peak memory {mib(max(text_peaks))}")

        if args.dask_workers:
            dask_per_worker(pdf_csv, work, letters, args.dask_workers, args.runs)
        if args.large:
            for label, clients, formats in (("PDF", 400, "pdf"), ("txt+eml", 2000, "txt,eml")):
                shutil.rmtree(work / "large", ignore_errors=True)
                elapsed, peak = run_batch(write_clients(work / "large.csv", clients), work / "large", formats, args.jobs)
                print(f"large {label}: {clients * len(BROKERS)} letters in {elapsed:.1f} s, peak memory {mib(peak)}"
                      f"{' (< 1 GiB)' if peak < 2**30 else ' (OVER 1 GiB)'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
