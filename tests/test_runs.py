"""Runs as a team would do them: staged reruns without the network, worker
processes, a Dataflow job translated offline, the run report."""

import base64
import gzip
import json
import logging
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest

from pipelines.progress import Monitor, progress_line
from pipelines.runners.engine import make_pipeline
from pipelines.stages.links import KeepLinkPosts
from tests.conftest import Route, serving
from webtext import collect
from webtext.config import Config
from webtext.records import Submission
from webtext.run import report
from webtext.sample.pages import article_page
from webtext.sample.prose import article, edited

SAMPLE = Path(collect.__file__).parent / "sample"
ROOT = Path(__file__).parent.parent
LIVE = ["--allow-loopback", "--no-archive-fallback", "--connect-timeout-s", "1", "--retries", "0"]


def test_fetch_once_then_rerun_later_stages_with_other_settings_and_no_network(tmp_path):
    out, dump = tmp_path / "run", tmp_path / "RS_2017-09.gz"
    with serving() as site:
        records = []
        for i in range(8):
            story = article(600 + i) if i < 6 else edited(article(600 + i - 6), seed=i)
            words = 120 if i == 5 else None  # one short article
            if words:
                story = story._replace(paragraphs=[" ".join(story.text.split()[:words])])
            site.routes[f"/a/{i}"] = Route(article_page(story, "Site", 2017, [], seed=i))
            records.append({"id": f"s{i}", "url": f"{site.url}/a/{i}", "score": 10 + i, "created_utc": 1500000000 + i})
        dump.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
        first = collect.run(["--dumps", str(dump), str(out), *LIVE])["counters"]
        hits = dict(site.hits)
    assert first["fetch/fetched:live"] == 8 and first["shards/documents"] == 6  # 2 edited copies removed
    # The server is gone: a fetch now could only fail. Rerun extract..shards twice.
    stricter = collect.run([str(out), "--from", "extract", "--min-tokens", "200"])["counters"]
    assert stricter["fetch/resumed"] == 8 and not any(k.startswith("fetch/failed") for k in stricter)
    assert stricter["extract/dropped:too_short"] == 1 and stricter["shards/documents"] == 5
    looser = collect.run([str(out), "--from", "extract", "--min-tokens", "50", "--dedup-threshold", "0.95"])["counters"]
    assert looser["shards/documents"] == 8 and looser["dedup/kept"] == 8
    assert site.hits == hits  # nothing more was asked of the server
    # The links stage was not rerun, and its counters carry over into the manifest.
    assert looser["links/submissions"] == 8
    assert json.loads((out / "manifest.json").read_text())["config"]["dedup_threshold"] == 0.95


def test_a_rerun_skips_the_stages_already_done(tmp_path, capsys):
    out = str(tmp_path / "sample")
    collect.run([out, "--until", "extract"])
    before = (tmp_path / "sample" / "links.parquet").stat().st_mtime_ns
    collect.run([out, "--until", "extract"])
    assert "is up to date to extract" in capsys.readouterr().out
    collect.run([out])  # extract is done: only dedup and shards run
    assert "(dedup to shards)" in capsys.readouterr().out
    assert (tmp_path / "sample" / "links.parquet").stat().st_mtime_ns == before
    collect.run([out, "--min-score", "20"])  # a links rule changed: everything reruns
    assert "(links to shards)" in capsys.readouterr().out
    kept_before = json.loads((SAMPLE / "expected.json").read_text())["links/kept"]
    assert pq.read_table(tmp_path / "sample" / "links.parquet").num_rows < kept_before


def test_dofns_pickle_and_run_in_separate_worker_processes(tmp_path):
    subs = [Submission(f"p{i}", f"https://a.com/{i}", "a.com", "news", 5, 1500000000, False, False) for i in range(40)]
    pipeline = make_pipeline("direct", 2, [])
    (pipeline
     | beam.Create(subs)
     | beam.ParDo(KeepLinkPosts(Config()))
     | beam.Map(lambda _: os.getpid())
     | beam.io.WriteToText(str(tmp_path / "pids")))
    pipeline.run().wait_until_finish()
    pids = {int(line) for path in tmp_path.glob("pids*") for line in path.read_text().split()}
    assert pids and os.getpid() not in pids


def test_the_pipeline_translates_to_a_dataflow_job_without_submitting(tmp_path):
    job_file = tmp_path / "job.json"
    result = collect.run([
        str(tmp_path / "out"), "--runner", "DataflowRunner", "--project", "test-project", "--region", "us-central1",
        "--temp_location", "gs://test-bucket/tmp", "--no_auth", "--dry_run=True", "--sdk_location=container",
        "--setup_file", str(ROOT / "pyproject.toml"), "--dataflow_job_file", str(job_file)])
    job = json.loads(job_file.read_text())
    assert job == result["job"] and job["job"]["type"] == "JOB_TYPE_BATCH"
    names = {t["uniqueName"] for t in job["pipeline"]["components"]["transforms"].values()}
    for stage in ("Links", "Fetch", "Extract", "Dedup", "Shards"):
        assert any(name.startswith(stage) for name in names), stage
    environments = job["pipeline"]["components"]["environments"].values()
    assert any("beam_python" in json.dumps(env) for env in environments)
    # The workers get the project as a package Beam built from pyproject.toml.
    staged = {base64.b64decode(d["typePayload"]) for env in environments for d in env.get("dependencies", [])}
    assert any(b"webtext-0.1.0.tar.gz" in payload for payload in staged), staged
    assert not (tmp_path / "out" / "manifest.json").exists()


def readme_dataflow_command() -> list[str]:
    """The Dataflow command of the README, as a user copies it, split as a shell would."""
    block = re.search(r"On Dataflow.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)[1]
    command = block[block.index("python -m webtext.collect"):]
    return shlex.split(command.replace("\\\n", " "))[3:]  # less `python -m webtext.collect`


@pytest.mark.parametrize("out_first", [False, True])
def test_the_readme_dataflow_command_translates_in_the_order_users_write_it(tmp_path, out_first):
    # Offline, the dumps and OUT on gs://my-bucket are a local folder (temp_location, which a dry run
    # never touches, stays on gs://); the flags and their order are the README's.
    bucket = tmp_path / "my-bucket"
    (bucket / "reddit").mkdir(parents=True)
    (bucket / "reddit" / "RS_2017-12.zst").write_bytes((SAMPLE / "RS_2017-12.zst").read_bytes())
    argv = [arg if arg.endswith("/tmp") else arg.replace("gs://my-bucket", str(bucket))
            for arg in readme_dataflow_command()]
    argv = [str(ROOT / "pyproject.toml") if arg == "./pyproject.toml" else arg for arg in argv] + ["--dry_run=True", "--no_auth", "--sdk_location=container"]
    assert "--project" in argv and argv.index("--out") < argv.index("--project")
    if out_first:
        out = argv.index("--out")
        argv = [argv[out + 1]] + argv[:out] + argv[out + 2:]
    result = collect.run(argv)
    assert result["job"]["job"]["type"] == "JOB_TYPE_BATCH"
    names = {t["uniqueName"] for t in result["job"]["pipeline"]["components"]["transforms"].values()}
    assert {"Posts", "Links", "Fetch", "Extract", "Dedup", "Shards"} <= {name.split("/")[0] for name in names}


def test_the_report_shows_what_the_dataset_holds(tmp_path):
    out = tmp_path / "sample"
    collect.run([str(out)])
    text = (out / "report.md").read_text()
    for plot in ("funnel", "recovery", "domains", "lengths", "drops"):
        assert f"report/{plot}.png" in text
        assert (out / "report" / f"{plot}.png").read_bytes().startswith(b"\x89PNG")
    assert text.index("report/funnel.png") < text.index("| split |")  # the report opens with the funnel
    assert "| links | post_dropped:wikipedia | 8 |" in text
    # The sample's made-up domains share none with WebText's, nor are its pages archive captures: a line
    # each says so, where an empty plot was.
    assert not (out / "report" / "webtext_domains.png").exists() and not (out / "report" / "distances.png").exists()
    assert "No domain of this dataset is among OpenAI's top 1,000 WebText domains" in text
    assert "No page came from an archive capture" in text


def test_the_dataset_card_is_hugging_faces_layout_and_follows_reruns(tmp_path):
    import yaml

    out = tmp_path / "sample"
    collect.run([str(out), "--progress-s", "0"])
    card = (out / "README.md").read_text()
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["language"] == ["en"] and header["size_categories"] == ["n<1K"]
    assert header["task_categories"] == ["text-generation"] and header["source_datasets"] == ["original"]
    assert [f["split"] for f in header["configs"][0]["data_files"]] == ["train", "validation"]
    manifest = json.loads((out / "manifest.json").read_text())
    documents = sum(t["documents"] for t in manifest["totals"].values())
    assert f"{documents:,} documents" in card and "| links | post_dropped:wikipedia | 8 |" in card
    for section in ("How it was built", "Domain mix", "Decontamination", "Opt-outs", "Known limits", "Rights",
                    "How to rebuild it"):
        assert f"\n## {section}\n" in card
    collect.run([str(out), "--from", "extract", "--min-tokens", "700", "--progress-s", "0"])  # a later stage again
    rerun = json.loads((out / "manifest.json").read_text())
    assert f"{sum(t['documents'] for t in rerun['totals'].values()):,} documents" in (out / "README.md").read_text()
    assert "at least 700 tokens" in (out / "README.md").read_text() and rerun["totals"] != manifest["totals"]


def test_domain_mix_against_webtext_counts_registered_domain_labels():
    reference = report.webtext_domains()
    assert reference["google"] == 1542261 and "wikipedia" not in reference
    hosts = {"www.nytimes.com": 30, "nytimes.com": 10, "news.bbc.co.uk": 20, "www.bbc.com": 5,
             "github.com": 15, "my-own-blog.example": 50}
    mix = report.domain_mix(__import__("collections").Counter(hosts), reference, top=3)
    assert mix["labels"]["nytimes"] == 40 and mix["labels"]["bbc"] == 25
    assert mix["shared"] == ["bbc", "github", "nytimes"]
    assert mix["share_in_webtext_top1000"] == 80 / 130
    assert mix["spearman"] is not None and -1 <= mix["spearman"] <= 1


def last_progress(stderr: str) -> dict[str, tuple]:
    """Each stage's last progress line as (done, total or None)."""
    last = {}
    for match in re.finditer(r"progress\s+(\w+)\s+([\d,]+)(?:/([\d,]+))? (\w+)", stderr):
        last[match[1]] = tuple(int(n.replace(",", "")) if n else None for n in match.group(2, 3))
    return last


def test_progress_lines_sum_all_worker_processes_with_totals(tmp_path):
    # A logging handler in every process before Beam starts, as a library's import-time warning makes one
    # (Beam's own about apitools, where the gcp extra is absent): worker processes must still print nothing.
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text("import logging\nlogging.basicConfig()\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-m", "webtext.collect", str(tmp_path / "out"), "--progress-s", "0.2",
                          "--workers", "2"], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    last = last_progress(run.stderr)  # the final counts, summed over both worker processes
    expected = json.loads((SAMPLE / "expected.json").read_text())
    links, unique = expected["links/kept"], expected["shards/documents"]
    assert last == {"reddit": (expected["links/posts_kept"], None), "links": (links, None),
                    "fetch": (links, links), "extract": (links, links), "dedup": (unique, None),
                    "shards": (unique, unique)}
    assert re.search(r"progress\s+shards .* 100\.0% .* ETA 0:00:00", run.stderr)
    # Nothing else: no worker process's start-up logs, nor its warning "No semi_persistent_directory found".
    assert all(" progress " in line for line in run.stderr.splitlines()), run.stderr
    quiet = subprocess.run([sys.executable, "-m", "webtext.collect", str(tmp_path / "quiet"), "--progress-s", "0"],
                           capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0 and "progress" not in quiet.stderr


def test_the_monitor_sums_each_process_tally(tmp_path):
    with Monitor({"fetch": "pages"}, every_s=3600) as monitor:
        for pid, (done, first, last) in {"11": (30, 100.0, 110.0), "12": (50, 104.0, 120.0)}.items():
            tally = {"done": {"fetch": done}, "totals": {"fetch": 160}, "first": {"fetch": first}, "last": {"fetch": last}}
            (Path(monitor.tallies.to) / f"{pid}.json").write_text(json.dumps(tally))
        assert monitor.read() == ({"fetch": 80}, {"fetch": 160}, {"fetch": 20.0})
    assert not os.path.exists(monitor.tallies.to)
    assert progress_line("fetch", "pages", 80, 160, 20.0).split() == ["fetch", "80/160", "pages", "50.0%", "4.0/s", "ETA", "0:00:20"]


def test_beams_import_warning_about_bigquery_clients_is_dropped(caplog):
    import pipelines  # noqa: F401  (installs the filter before Beam's import)

    logging.warning("apitools not found, and bigquery client libraries are not available")  # as Beam logs it
    logging.warning("anything else")
    assert "apitools" not in caplog.text and "anything else" in caplog.text
