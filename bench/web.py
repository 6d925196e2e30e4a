"""`optout serve` benchmark: one person x 60 brokers, PDF + eml + text, from the "Download" button to a ready ZIP.

    python bench/web.py [--brokers 60] [--runs 3]

Starts `optout serve --no-browser` as a user would (its own process, on 127.0.0.1), answers the steps over HTTP
with the page's own forms (token, CSRF), picks the brokers, then times POST /letters until the ZIP's last byte
arrives. `optout serve` warms WeasyPrint up before it prints its link; the PDFs of a large ZIP are made by one
forked process per CPU. CPU-seconds (server plus finished workers, from /proc) and the load average are printed
beside the wall time: on a shared machine the wall time moves with the load, the CPU-seconds barely.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx2 as httpx  # the test extra installs httpx2 (what Starlette 1.x TestClient uses)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optout.catalog import default_catalog  # noqa: E402
from optout.query import select_brokers  # noqa: E402

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PERSON = {"full_name": "Alex Rivera", "emails": "alex@example.org", "phones": "+1 804 555 0100", "street": "12 Elm St",
          "city": "Richmond", "state": "VA", "postal_code": "23220"}


def broker_ids(count: int) -> list[str]:
    catalog = default_catalog()
    chosen = [b.id for b in select_brokers("sold-to:federal-government,sold-to:law-enforcement", catalog)]
    chosen += [b.id for b in select_brokers("category:people-search", catalog) if b.id not in chosen]
    chosen += [b.id for b in select_brokers("registered:CA", catalog) if b.id not in chosen]
    return chosen[:count]


def cpu_seconds(pid: int) -> float:
    """User + system time of the server and its finished workers (Linux /proc), to tell the work from the wait."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "optout", "serve", "--no-browser", "--port", str(port)],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    for line in process.stdout:
        if found := re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", line):
            return process, found.group(0)
    raise SystemExit("optout serve printed no link")


def answer_steps(client: httpx.Client, link: str, ids: list[str]) -> str:
    for _ in range(100):
        try:
            client.get(link)
            break
        except httpx.ConnectError:
            time.sleep(0.1)
    csrf = CSRF.search(client.get("/state").text).group(1)  # type: ignore[union-attr]
    client.post("/state", data={"csrf": csrf, "state": "VA"})
    client.post("/you", data={"csrf": csrf, **PERSON})
    client.post("/brokers/pick", data={"csrf": csrf, "action": "add", "broker": ids})
    client.post("/brokers", data={"csrf": csrf, "preset": "pick"})
    client.post("/ask", data={"csrf": csrf, "request": "delete"})
    return csrf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brokers", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ids = broker_ids(args.brokers)
    process, link = start_server()
    base = link.split("/?")[0]
    try:
        with httpx.Client(base_url=base, timeout=600, follow_redirects=False) as client:
            csrf = answer_steps(client, link, ids)
            print(f"optout serve: 1 person x {len(ids)} brokers, PDF + eml + text, on {os.cpu_count()} CPUs")
            for run in range(1, args.runs + 1):
                load = os.getloadavg()[0]
                cpu_before = cpu_seconds(process.pid)
                started = time.perf_counter()
                response = client.post("/letters", data={"csrf": csrf})
                elapsed = time.perf_counter() - started
                cpu = cpu_seconds(process.pid) - cpu_before
                response.raise_for_status()
                archive = zipfile.ZipFile(io.BytesIO(response.content))
                pdfs = [n for n in archive.namelist() if n.startswith("letters/") and n.endswith(".pdf")]
                assert len(pdfs) == len(ids), (len(pdfs), len(ids))
                kind = "first click" if run == 1 else "again"
                print(f"run {run} {kind}: ZIP ready in {elapsed:.1f} s, {cpu:.1f} CPU-seconds in the server and its "
                      f"workers ({len(archive.namelist())} files, {len(response.content) / 1e6:.1f} MB; load average "
                      f"before {load:.1f})")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
