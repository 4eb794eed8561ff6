"""Stage fingerprints: which stages a rerun can skip."""

import dataclasses

from webtext.config import Config
from webtext.run import stages

INPUTS = {"dumps": ["RS_2017-12.zst"], "listings": None, "warcs": [], "out": "run1"}


def test_every_config_field_shapes_exactly_one_stage():
    mapped = [name for fields in stages.STAGE_FIELDS.values() for name in fields]
    assert sorted(mapped) == sorted(f.name for f in dataclasses.fields(Config))


def test_a_change_reruns_its_stage_and_every_later_one():
    before = stages.fingerprints(INPUTS, Config().to_dict())
    after = stages.fingerprints(INPUTS, Config(dedup_threshold=0.8).to_dict())
    assert [s for s in stages.STAGES if before[s] != after[s]] == ["dedup", "decontaminate", "shards"]
    assert stages.first_to_run(before, after, "shards") == "dedup"
    moved = stages.fingerprints({**INPUTS, "dumps": ["RS_2016-*.zst"]}, Config().to_dict())
    assert stages.first_to_run(before, moved, "shards") == "links"
    assert stages.first_to_run(before, before, "shards") is None
    assert stages.first_to_run({"links": before["links"]}, before, "extract") == "fetch"


def test_where_output_goes_does_not_change_a_fingerprint():
    assert stages.fingerprints(INPUTS, Config().to_dict()) == stages.fingerprints({**INPUTS, "out": "elsewhere"}, Config().to_dict())


def test_ranges_run_forwards_only():
    assert stages.between("extract", "shards") == ["extract", "dedup", "decontaminate", "shards"]
    try:
        stages.between("shards", "links")
    except ValueError as err:
        assert "comes after" in str(err)
    else:
        raise AssertionError("a backwards range must be refused")
