"""A recipe exported, the dumps deleted, the dataset rebuilt from archives alone, and checked.

The bundled sample's pages are served by the fake archives on 127.0.0.1
(tests/conftest.py): every other link's page from a Common Crawl WARC file read
by range, the rest from the Wayback Machine's raw captures. A recipe is then
untrusted input: addresses naming anything but a record of the configured
archives are refused before any request.
"""

import io
import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from warcio.warcwriter import WARCWriter

from tests.conftest import fake_archives, serving
from webtext import collect, export, recipe
from webtext.cli import UsageError
from webtext.fetch import warc
from webtext.fetch.capture import stamp
from webtext.run.plan import sample_path
from webtext.urls import normalise_url

CAPTURED = 1516000000  # 2018-01-15: every capture, within --capture-window-days 5000 of every post
CRAWL = "CC-MAIN-2018-03"
WARC_FILE = f"crawl-data/{CRAWL}/segments/1516000000000.0/warc/{CRAWL}-20180115000000-00000.warc.gz"


def sample_pages() -> dict[str, warc.WarcResponse]:
    """Each of the sample's links' response (a 200 where its WARC has one), by normalised URL."""
    found = {}
    with open(sample_path("pages.warc.gz"), "rb") as f:
        for response in warc.iter_responses(f):
            url = response.link_url or normalise_url(response.url)
            if url not in found or (response.status == 200 and found[url].status != 200):
                found[url] = response
    return found


def serve(fake, fetch_urls: dict[str, str]) -> dict[str, str]:
    """The sample's pages in the fake archives, under the URL each link fetches; {link URL: source}."""
    out, sources = io.BytesIO(), {}
    writer = WARCWriter(out, gzip=True)
    for i, (url, response) in enumerate(sorted(sample_pages().items())):
        if url not in fetch_urls:
            continue
        fetch_url, media_type = fetch_urls[url], response.content_type.split(";")[0].strip()
        if i % 2:
            fake.wayback[fetch_url] = [(stamp(CAPTURED), response.status, media_type, response.body,
                                        response.content_type)]
            sources[url] = "wayback"
            continue
        offset = out.tell()
        warc.write_response(writer, fetch_url, response.status, response.content_type, response.body,
                            date="2018-01-15T07:06:40Z")
        row = {"urlkey": url, "timestamp": stamp(CAPTURED), "url": fetch_url, "mime": media_type,
               "mime-detected": media_type, "status": str(response.status), "length": str(out.tell() - offset),
               "offset": str(offset), "filename": WARC_FILE}
        fake.cc_index.setdefault(CRAWL, {})[fetch_url] = [row]
        sources[url] = "commoncrawl"
    fake.files[WARC_FILE] = out.getvalue()
    fake.collinfo = [{"id": CRAWL, "from": "2018-01-14T00:00:00", "to": "2018-01-24T00:00:00"}]
    return sources


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample built from the fake archives, its recipe exported, its dumps deleted."""
    root = tmp_path_factory.mktemp("rebuild")
    dumps = root / "dumps"
    dumps.mkdir()
    for name in ("RS_2017-11.xz", "RS_2017-12.zst", "RS_2018-01.bz2"):
        shutil.copy(sample_path(name), dumps / name)
    with fake_archives() as (fake, base):
        links_out = root / "links-only"
        collect.run(["--dumps", str(dumps / "RS_*"), "--out", str(links_out), "--until", "links", "--progress-s", "0"])
        links = pq.read_table(links_out / "links.parquet").to_pylist()
        sources = serve(fake, {link["url"]: link["original_urls"][0] for link in links})
        original = root / "original"
        collect.run(["--dumps", str(dumps / "RS_*"), "--out", str(original), "--pages", "commoncrawl",
                     "--pages", "wayback", "--allow-loopback", "--archive-url", base, "--commoncrawl-index-url", base,
                     "--commoncrawl-data-url", base, "--wayback-rate", "500", "--commoncrawl-index-rate", "500",
                     "--capture-window-days", "5000", "--val-fraction", "0.1", "--progress-s", "0"])
        export.main(["recipe", str(original)])
        shutil.rmtree(dumps)  # the dumps are gone: the rebuild has the recipe and the archives only
        yield {"fake": fake, "base": base, "original": original, "recipe": original / "recipe",
               "sources": sources, "root": root}


def shard_hashes(out) -> list:
    return [(s["name"], s["sha256"]) for s in json.loads((out / "manifest.json").read_text())["shards"]]


def test_the_recipe_holds_each_document_where_its_page_was_captured(built):
    made = recipe.load(str(built["recipe"]))
    rows = made.rows()
    assert made.meta["documents"] == len(rows) > 40 and made.meta["not_in_archives"] == 0
    assert {row.source for row in rows} == {"commoncrawl", "wayback"}
    for row in rows:
        assert row.source == built["sources"][row.url]
        if row.source == "commoncrawl":
            assert row.capture.startswith(WARC_FILE + "@")
        else:
            assert row.capture == f"{built['base']}/web/{stamp(CAPTURED)}id_/{row.original_urls[0]}"
    assert made.meta["shards"] == json.loads((built["original"] / "manifest.json").read_text())["shards"]
    assert made.meta["environment"]["packages"]["trafilatura"]
    assert "text" not in made.table.column_names  # no page's text leaves with a recipe


def test_a_rebuild_from_the_recipe_alone_is_identical(built, capsys):
    out = built["root"] / "rebuilt"
    asked = len(built["fake"].hits)
    assert collect.main(["--recipe", str(built["recipe"]), "--out", str(out), "--progress-s", "0"]) == 0
    printed = capsys.readouterr().out
    n = recipe.load(str(built["recipe"])).meta["documents"]
    assert f"rebuild verdict: documents identical {n} of {n}; shards sha256-equal: yes" in printed
    assert shard_hashes(out) == shard_hashes(built["original"])
    hits = built["fake"].hits[asked:]
    assert not [h for h in hits if "-index" in h or h.startswith("/cdx/")]  # no index asked: the recipe says where
    assert len([h for h in hits if h.startswith("/crawl-data/") or h.startswith("/web/")]) == n


def test_a_changed_archived_payload_drops_exactly_its_document(built, capsys):
    fake, made = built["fake"], recipe.load(str(built["recipe"]))
    row = next(r for r in made.rows() if r.source == "wayback")
    captures = fake.wayback[row.original_urls[0]]
    ts, status, mime, body, served = captures[0]
    captures[0] = (ts, status, mime, body.replace(b"</p>", b" An edit.</p>", 1), served)
    out = built["root"] / "rebuilt-changed"
    try:
        assert collect.main(["--recipe", str(built["recipe"]), "--out", str(out), "--progress-s", "0"]) == 1
    finally:
        captures[0] = (ts, status, mime, body, served)
    captured = capsys.readouterr()
    n = made.meta["documents"]
    assert f"rebuild verdict: documents identical {n - 1} of {n}; shards sha256-equal: no" in captured.out
    assert f"  {row.url}: no page: changed.wayback" in captured.out
    assert "the rebuild differs from its recipe" in captured.err
    counters = json.loads((out / "manifest.json").read_text())["counters"]
    assert counters["fetch/failed:changed.wayback"] == 1


def hostile_recipe(built, tmp_path, canary: str) -> tuple:
    """The recipe with five rows' addresses rewritten to name what a recipe must not: {url: reason}."""
    made = recipe.load(str(built["recipe"]))
    rows = made.table.to_pylist()
    cc = [r for r in rows if r["source"] == "commoncrawl"]
    wb = [r for r in rows if r["source"] == "wayback"]
    rewritten = {
        cc[0]["url"]: (f"{canary}/{WARC_FILE}@0+100", "refused.not_crawl_data"),  # a whole URL, at 127.0.0.1
        cc[1]["url"]: (f"crawl-data/{CRAWL}/../../../etc/passwd.warc.gz@0+100", "refused.not_crawl_data"),
        cc[2]["url"]: ("secrets/keys.warc.gz@0+100", "refused.not_crawl_data"),  # outside crawl-data/
        wb[0]["url"]: (f"http://169.254.169.254/web/{stamp(CAPTURED)}id_/{wb[0]['original_urls'][0]}",
                       "refused.not_wayback"),  # the metadata address
        wb[1]["url"]: (f"{canary}/web/{stamp(CAPTURED)}id_/{wb[1]['original_urls'][0]}", "refused.not_wayback"),
        wb[2]["url"]: (f"{built['base']}/web/{stamp(CAPTURED)}id_/{canary}/anything", "refused.other_url"),
    }
    for row in rows:
        if row["url"] in rewritten:
            row["capture"] = rewritten[row["url"]][0]
    folder = tmp_path / "hostile"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(rows, schema=recipe.SCHEMA), folder / recipe.TABLE)
    (folder / recipe.META).write_text(json.dumps(made.meta))
    return folder, {url: reason for url, (_, reason) in rewritten.items()}


def test_a_hostile_recipe_fetches_nothing_it_names_and_counts_each(built, tmp_path, capsys):
    with serving() as canary:  # a server no request may reach
        folder, refused = hostile_recipe(built, tmp_path, canary.url)
        out = tmp_path / "out"
        assert collect.main(["--recipe", str(folder), "--out", str(out), "--progress-s", "0"]) == 1
        assert canary.hits == {}
    printed = capsys.readouterr().out
    for url, reason in refused.items():
        assert f"  {url}: no page: {reason}" in printed
    counters = json.loads((out / "manifest.json").read_text())["counters"]
    assert counters["fetch/failed:refused.not_crawl_data"] == 3 and counters["fetch/failed:refused.not_wayback"] == 2
    assert counters["fetch/failed:refused.other_url"] == 1
    assert not [h for h in built["fake"].hits if "passwd" in h or "secrets" in h]


@pytest.mark.parametrize("damage, message", [
    ("truncate", "not a readable Parquet file"),
    ("drop_column", "columns missing: payload_sha256"),
    ("wrong_type", "wrong types: karma is string, not int64"),
    ("no_meta", "no recipe.json"),
    ("count", "recipe.json says"),
])
def test_a_recipe_that_is_not_one_is_one_line(built, tmp_path, damage, message):
    folder = tmp_path / "bad"
    shutil.copytree(built["recipe"], folder)
    table = pq.read_table(folder / recipe.TABLE)
    if damage == "truncate":
        data = (folder / recipe.TABLE).read_bytes()
        (folder / recipe.TABLE).write_bytes(data[: len(data) // 2])
    elif damage == "drop_column":
        pq.write_table(table.drop_columns(["payload_sha256"]), folder / recipe.TABLE)
    elif damage == "wrong_type":
        pq.write_table(table.set_column(table.schema.get_field_index("karma"), "karma",
                                        table["karma"].cast(pa.string())), folder / recipe.TABLE)
    elif damage == "no_meta":
        (folder / recipe.META).unlink()
    else:
        meta = json.loads((folder / recipe.META).read_text())
        (folder / recipe.META).write_text(json.dumps({**meta, "documents": meta["documents"] + 5}))
    with pytest.raises(UsageError, match=message) as raised:
        collect.run(["--recipe", str(folder), "--out", str(tmp_path / "out")])
    assert "\n" not in str(raised.value) and str(raised.value).startswith("--recipe ")


def test_pages_in_no_archive_come_from_the_publishers_warc_or_are_counted(tmp_path, capsys):
    original = tmp_path / "sample"
    collect.run([str(original), "--progress-s", "0"])  # the sample: every page from its WARC file
    export.main(["recipe", str(original)])
    made = recipe.load(str(original / "recipe"))
    n = made.meta["documents"]
    assert made.meta["not_in_archives"] == n and set(made.table["source"].to_pylist()) == {"warc"}
    with_warc = tmp_path / "with-warc"
    argv = ["--recipe", str(original / "recipe"), "--progress-s", "0"]
    assert collect.main([*argv, "--out", str(with_warc), "--warc", sample_path("pages.warc.gz")]) == 0
    assert f"documents identical {n} of {n}; shards sha256-equal: yes" in capsys.readouterr().out
    assert collect.main([*argv, "--out", str(tmp_path / "without")]) == 1
    assert f"documents identical 0 of {n}" in capsys.readouterr().out
    counters = json.loads((tmp_path / "without" / "_stages" / "fetch.json").read_text())["counters"]
    assert counters["fetch/failed:not_in_archives"] == n
