"""Every mistake a user can make on the command line: one line on stderr naming the fix, no traceback.

Each case runs the real command in a fresh process, as a user would. Mistakes
exit 2 with `<prog>: error: ...`; a run whose input yields nothing exits 1 with
the same one-line form.
"""

import gzip
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from webtext import stores

ROOT = Path(__file__).resolve().parent.parent
COLLECT = "python -m webtext.collect"


def given(tmp: Path) -> dict[str, str]:
    """Paths the cases name: a plain file, a dump of garbage, a file that is not a WARC."""
    (tmp / "a-file").write_text("not a folder\n")
    (tmp / "RS_2017-01").write_text("not json\n{also not json\n\n[1, 2]\n")
    (tmp / "pages.warc.gz").write_bytes(gzip.compress(b"<html>no WARC here</html>"))
    (tmp / "empty").mkdir()
    return {"tmp": str(tmp)}


# (case, argv after `python -m`, exit code, what the one line must say)
CASES = [
    ("dump glob matches nothing", ["webtext.collect", "--dumps", "{tmp}/RS_*.zst", "--out", "{tmp}/o"], 2,
     "--dumps '{tmp}/RS_*.zst' matches no file"),
    ("WARC glob matches nothing", ["webtext.collect", "--warc", "{tmp}/*.warc", "--out", "{tmp}/o"], 2,
     "--warc '{tmp}/*.warc' matches no file"),
    ("--out names a file", ["webtext.collect", "--out", "{tmp}/a-file"], 2, "--out {tmp}/a-file is a file"),
    ("bad --karma-rule", ["webtext.collect", "--karma-rule", "bogus"], 2, "argument --karma-rule: invalid choice"),
    ("--dedup-threshold out of range", ["webtext.collect", "--dumps", "{tmp}/RS_2017-01", "--dedup-threshold", "1.5", "--out", "{tmp}/o"], 2,
     "--dedup-threshold must be in (0, 1], not 1.5"),
    ("bad --until", ["webtext.collect", "--until", "nowhere"], 2, "argument --until: invalid choice"),
    ("unknown flag", ["webtext.collect", "--no-such-flag"], 2, "unrecognized arguments: --no-such-flag"),
    ("abbreviated flag", ["webtext.collect", "--min-scor", "5"], 2, "unrecognized arguments: --min-scor"),
    ("two output folders", ["webtext.collect", "{tmp}/a", "--out", "{tmp}/b"], 2,
     "two output folders given: {tmp}/a and --out {tmp}/b"),
    ("knob rerun of a folder with no run", ["webtext.collect", "{tmp}/typo", "--dedup-threshold", "0.7"], 2,
     "{tmp}/typo holds no run to rerun with --dedup-threshold"),
    ("--from on a folder with no run", ["webtext.collect", "{tmp}/typo", "--from", "extract"], 2,
     "{tmp}/typo holds no run to rerun with --from"),
    ("--subreddits without praw credentials", ["webtext.collect", "--subreddits", "news", "--out", "{tmp}/o"], 2,
     "--subreddits: praw cannot start"),
    ("a dump of garbage", ["webtext.collect", "--dumps", "{tmp}/RS_2017-01", "--out", "{tmp}/o"], 1,
     "no submission read from 1 dump files (3 lines: bad_json 3)"),
    ("a --warc file that is not a WARC",
     ["webtext.collect", "--warc", "{tmp}/pages.warc.gz", "--out", "{tmp}/o2", "--until", "fetch"], 1,
     "no record read from the --warc files"),
    ("--out on Google Cloud Storage without credentials", ["webtext.collect", "--out", "gs://webtext-no-bucket/run"], 2,
     "gs://webtext-no-bucket/run: no Google Cloud credentials; run `gcloud auth application-default login`"),
    ("--dumps on S3 without credentials", ["webtext.collect", "--dumps", "s3://webtext-no-bucket/RS_*.zst", "--out", "{tmp}/o"], 2,
     "s3://webtext-no-bucket/RS_*.zst: no AWS credentials; run `aws configure`"),
    ("Beam's --temp_location on GCS without credentials",
     ["webtext.collect", "--out", "{tmp}/o", "--temp_location=gs://webtext-no-bucket/tmp"], 2,
     "gs://webtext-no-bucket/tmp: no Google Cloud credentials"),
    ("verify a missing folder", ["webtext.verify", "{tmp}/nothing"], 2, "{tmp}/nothing: no such folder"),
    ("verify a folder with no manifest", ["webtext.verify", "{tmp}/empty"], 2, "{tmp}/empty: no manifest.json in it"),
    ("export a missing folder", ["webtext.export", "nanogpt", "{tmp}/nothing"], 2, "{tmp}/nothing: no such folder"),
    ("export to an unknown format", ["webtext.export", "parquet", "{tmp}/empty"], 2, "argument format: invalid choice"),
]


def no_cloud(tmp: Path) -> dict[str, str]:
    """A machine with no cloud credentials, whose credential lookups never leave it (the child
    process is not under the socket guard): no metadata servers asked, no key files found."""
    return {"HOME": str(tmp), "GOOGLE_APPLICATION_CREDENTIALS": str(tmp / "no-key.json"), "NO_GCE_CHECK": "True",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
            "AWS_CONFIG_FILE": str(tmp / "no-aws-config")}


@pytest.mark.parametrize("case, argv, code, says", CASES, ids=[c[0] for c in CASES])
def test_a_mistake_is_one_line_naming_the_fix(tmp_path, case, argv, code, says):
    paths = given(tmp_path)
    argv = [arg.format(**paths) for arg in argv]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("praw_", "AWS_", "GOOGLE_"))} | no_cloud(tmp_path)
    done = subprocess.run([sys.executable, "-m", *argv], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    prog = "python -m " + argv[0]
    lines = [line for line in done.stderr.splitlines() if line.startswith(f"{prog}: error:")]
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1 and says.format(**paths) in lines[0], done.stderr
    assert done.stderr.rstrip("\n").endswith(lines[0]), "the error line is the last thing said"
    assert not list(Path(paths["tmp"]).glob("**/beam-temp-*")), "a failed start left Beam's temporary files"


class NoBucketsHere(http.server.BaseHTTPRequestHandler):
    """Google Cloud Storage's JSON API as a store holding no bucket: every bucket lookup is a 404."""

    def do_GET(self):
        body = json.dumps({"error": {"code": 404, "message": "The specified bucket does not exist."}}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stores_on_this_machine():
    """{store: endpoint} for a GCS API and an S3 server (moto's) on 127.0.0.1 holding no bucket, and for each
    store a port nothing listens on (a store out of reach)."""
    from moto.server import ThreadedMotoServer

    gcs = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NoBucketsHere)
    threading.Thread(target=gcs.serve_forever, daemon=True).start()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3.start()
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{unused.getsockname()[1]}"
    try:
        yield {"gcs": f"http://127.0.0.1:{gcs.server_port}", "s3": f"http://127.0.0.1:{s3.get_host_and_port()[1]}",
               "closed": closed}
    finally:
        gcs.shutdown()
        s3.stop()


REACH_CASES = [
    ("a GCS bucket that does not exist", "gs", "gcs", ["--out", "gs://webtext-no-bucket/run", "--no_auth"],
     "gs://webtext-no-bucket/run: bucket webtext-no-bucket does not exist; create it"),
    ("GCS out of reach", "gs", "closed", ["--dumps", "gs://webtext-dumps/RS_*.zst", "--out", "{tmp}/o", "--no_auth"],
     "gs://webtext-dumps/RS_*.zst: Google Cloud Storage did not answer (ConnectionError); check this machine's network"),
    ("an S3 bucket that does not exist", "s3", "s3", ["--out", "s3://webtext-no-bucket/run"],
     "s3://webtext-no-bucket/run: bucket webtext-no-bucket does not exist; create it (`aws s3 mb"),
    ("S3 out of reach", "s3", "closed", ["--warc", "s3://webtext-pages/*.warc.gz", "--out", "{tmp}/o"],
     "s3://webtext-pages/*.warc.gz: S3 did not answer (EndpointConnectionError); check this machine's network"),
]


@pytest.mark.parametrize("case, store, endpoint, argv, says", REACH_CASES, ids=[c[0] for c in REACH_CASES])
def test_a_cloud_bucket_out_of_reach_is_one_line(tmp_path, stores_on_this_machine, case, store, endpoint, argv, says):
    # Credentials there are (S3: any key, the server checks none; GCS: --no_auth), the bucket or the store not.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GOOGLE_"))} | no_cloud(tmp_path)
    if store == "gs":
        env["STORAGE_EMULATOR_HOST"] = stores_on_this_machine[endpoint]
    else:
        env |= {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": stores_on_this_machine[endpoint]}
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    done = subprocess.run([sys.executable, "-m", "webtext.collect", *argv], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("python -m webtext.collect: error: ") and says in lines[0], lines


def test_a_cloud_path_whose_filesystem_is_not_installed_names_the_extra(monkeypatch):
    # As on a machine with the base install only: no Google Cloud library, no boto3.
    real_find_spec = stores.importlib.util.find_spec
    monkeypatch.setattr(stores.importlib.util, "find_spec",
                        lambda name, *a: None if name in ("google.cloud.storage", "boto3") else real_find_spec(name, *a))
    assert stores.problem(["gs://bucket/run"]) == (
        "gs://bucket/run: Beam's Google Cloud filesystem is not installed; pip install 'webtext[dataflow]'")
    assert stores.problem(["--out", "o", "s3://bucket/RS_*.zst"]) == (
        "s3://bucket/RS_*.zst: Beam's S3 filesystem is not installed; pip install 'apache-beam[aws]'")
