"""The fetch stage in the real pipeline: hostile servers, the archive, kill -9 and resume."""

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pyarrow.parquet as pq

from tests import hostile
from tests.conftest import Route, serving
from webtext.fetch.capture import stamp

CREATED = 1500000000
PAGE = b"<html><body><p>A page that is fine.</p></body></html>"
FAST_FAILURE = ["--connect-timeout-s", "1", "--read-timeout-s", "1", "--total-timeout-s", "2",
                "--retries", "1", "--retry-backoff-s", "0.01", "--max-page-bytes", "100000", "--allow-loopback"]


def _gzip_bomb(decompressed_bytes: int) -> bytes:
    """~1 MB on the wire per GB once inflated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    block = b"\0" * (1 << 20)
    parts = [compressor.compress(block) for _ in range(decompressed_bytes >> 20)]
    return b"".join(parts) + compressor.flush()


def _dump(path: Path, urls: list[str]) -> Path:
    lines = [json.dumps({"id": f"p{i}", "url": url, "score": 10, "created_utc": CREATED}) for i, url in enumerate(urls)]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


# Runs webtext.collect and prints the process's own peak RSS as it exits. VmHWM, not wait4's
# ru_maxrss: a child started by vfork/exec inherits the parent's high-water mark in ru_maxrss,
# so a big pytest process would be blamed on the child.
_COLLECT_AND_REPORT_PEAK = """
import atexit, runpy, sys
def report_peak():
    print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")), flush=True)
atexit.register(report_peak)
sys.argv[0] = "webtext.collect"
runpy.run_module("webtext.collect", run_name="__main__")
"""


def _collect(args, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _COLLECT_AND_REPORT_PEAK, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, **popen)


def _peak_rss_kib(output: str) -> int:
    return int(re.search(r"VmHWM:\s+(\d+) kB", output).group(1))


def test_hostile_servers_each_get_their_reason_and_memory_stays_bounded(tmp_path, archives):
    fake, archive_url = archives
    with serving() as site:
        base = site.url
        routes = {
            "/ok": (Route(PAGE), ""),
            "/drip": (hostile.drip_body, "deadline"),
            "/drip-headers": (hostile.drip_headers, "deadline"),
            "/endless": (hostile.endless_body, "too_large"),
            "/bomb": (Route(_gzip_bomb(1 << 30), headers={"Content-Encoding": "gzip"}), "too_large"),
            "/loop": (Route(status=302, headers={"Location": "/loop"}), "too_many_redirects"),
            "/to-metadata": (Route(status=302, headers={"Location": "http://169.254.169.254/latest/"}), "private_address"),
            "/busy": ([Route(b"wait", status=429, headers={"Retry-After": "1"}), Route(PAGE)], ""),
            "/flaky": ([Route(b"oops", status=500), Route(PAGE)], ""),
            "/pdf": (Route(b"%PDF-1.4", content_type="application/pdf"), "not_html"),
            "/latin1": (Route("<html><body><p>Café à la crème</p></body></html>".encode("latin-1")), ""),
            "/reset": (hostile.reset, "connection_error"),
            "/private/x": (Route(PAGE), "robots_disallowed"),
            "/dead": (Route(b"gone", status=404), ""),
            "/gone": (Route(b"gone", status=404), "http_404"),
        }
        site.routes.update({path: route for path, (route, _) in routes.items()})
        site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        fake.wayback[base + "/dead"] = [(stamp(CREATED + 3600), 200, "text/html", PAGE)]
        dump = _dump(tmp_path / "RS_2017-07.gz", [base + path for path in routes])
        out = tmp_path / "out"
        run = _collect(["--dumps", str(dump), "--out", str(out), "--until", "fetch", "--max-per-host", "8",
                        "--pages", "live", "--pages", "wayback", "--archive-url", archive_url, "--wayback-rate", "100",
                        *FAST_FAILURE])
        output = run.communicate(timeout=300)[0].decode()
    assert run.returncode == 0, output
    # A 1 GiB gzip bomb and an endless body went by: the byte cap kept the process small.
    assert _peak_rss_kib(output) < 600 * 1024, output
    outcomes = {row["url"].split("127.0.0.1")[1].split("/", 1)[1]: row for row in pq.read_table(out / "pages.parquet").to_pylist()}
    assert {"/" + path: row["error"] for path, row in outcomes.items()} == {path: reason for path, (_, reason) in routes.items()}
    assert (outcomes["dead"]["source"], outcomes["dead"]["live_error"]) == ("wayback", "http_404")
    assert outcomes["latin1"]["bytes"] == len("<html><body><p>Café à la crème</p></body></html>".encode("latin-1"))
    assert all(row["elapsed_s"] < 10 for row in outcomes.values())


def _outcome_urls(fetch_dir: Path) -> list[str]:
    urls = []
    for path in fetch_dir.glob("outcomes-*.jsonl"):
        for line in path.read_text().splitlines():
            try:
                urls.append(json.loads(line)["url"])
            except ValueError:
                pass  # the line the kill cut short
    return urls


def test_a_run_killed_mid_fetch_resumes_without_refetching_or_losing_a_url(tmp_path):
    with serving() as site:
        paths = [f"/slow/{i}" for i in range(40)]
        for path in paths:
            site.routes[path] = Route(PAGE.replace(b"fine", path.encode()), delay_s=0.25)
        dump = _dump(tmp_path / "RS_2017-07.gz", [site.url + p for p in paths])
        out = tmp_path / "out"
        args = ["--dumps", str(dump), "--out", str(out), "--until", "fetch", "--fetch-concurrency", "4",
                "--max-per-host", "4", "--pages", "live", *FAST_FAILURE]
        first = _collect(args)
        deadline = time.monotonic() + 60
        while len(_outcome_urls(out / "fetch")) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        done_before = set(_outcome_urls(out / "fetch"))
        assert 10 <= len(done_before) < len(paths), "the kill should land mid-fetch"
        hits_before = dict(site.hits)
        second = _collect(args)
        output = second.communicate(timeout=120)[0].decode()
        assert second.returncode == 0, output
    rows = pq.read_table(out / "pages.parquet").to_pylist()
    assert sorted(r["url"].split("/slow/")[1] for r in rows) == sorted(p.split("/slow/")[1] for p in paths)
    assert all(r["error"] == "" for r in rows)
    for path in paths:
        url_key = f"https://127.0.0.1:{site.url.rsplit(':', 1)[1]}{path}"
        fetched_again = site.hits.get(path, 0) - hits_before.get(path, 0)
        if url_key in done_before:
            assert fetched_again == 0, f"{path} had an outcome and was fetched again"
        else:
            assert fetched_again == 1, f"{path} was fetched {fetched_again} times by the rerun"
