"""The house's layering, enforced: commands above both layers, arrows pointing down only.

    commands (webtext.collect, webtext.verify, webtext.export, webtext.sample.make, model.*)
      -> pipelines/ (Beam)  -> webtext/ rules (no Beam, no torch)
      -> model/ library     -> webtext.shards, webtext.cli, webtext.layout

Each stage of webtext.run.stages.STAGES has its rules in webtext/<stage>/, its Beam
transform in pipelines/stages/<stage>.py and its docs page in docs/<stage>.md (decontaminate:
the n-gram rules of webtext/ngrams/ and docs/overlap.md, which it shares with the overlap report).

Within pipelines/: the stages (pipelines/stages/) never import a runner's machinery
(pipelines/runners/) nor the modules that compose and run them; the parts both use
(neutral forms, counters, progress, tables, files) import neither.
"""

import ast
from pathlib import Path

import pytest

from webtext.run.stages import STAGES

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {"webtext.collect", "webtext.verify", "webtext.export", "webtext.overlap", "webtext.sample.make"}
# What model/ may use of webtext: the shard reader, the tokenizers, the flags helper, OUT's layout.
MODEL_MAY_USE = ("webtext.shards", "webtext.cli", "webtext.layout")
# Stages whose rules package and docs page have another name than the stage's.
RULES_AND_DOCS = {"decontaminate": ("ngrams", "overlap")}


def modules(package: str) -> dict[str, set[str]]:
    """{module name: the top-level names of every module it imports} under a package folder."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[name] = imported
    return found


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def offending(imports: dict[str, set[str]], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    bad = {m: sorted(i for i in found if under(i, *forbidden)) for m, found in imports.items()}
    return {m: found for m, found in bad.items() if found}


def test_the_rules_layer_imports_neither_beam_nor_torch_nor_anything_above_it():
    rules = {m: i for m, i in modules("webtext").items() if m not in COMMANDS}
    assert offending(rules, ("apache_beam", "torch", "pipelines", "model", *COMMANDS)) == {}


def test_pipelines_import_no_torch_no_model_and_no_command():
    assert offending(modules("pipelines"), ("torch", "model", *COMMANDS)) == {}


def test_model_uses_only_the_shard_reader_flags_and_layout_of_webtext():
    imports = modules("model")
    assert offending(imports, ("apache_beam", "pipelines", *COMMANDS)) == {}
    webtext_uses = {m: sorted(i for i in found if under(i, "webtext") and not under(i, *MODEL_MAY_USE))
                    for m, found in imports.items()}
    assert {m: i for m, i in webtext_uses.items() if i} == {}


# What pipelines/stages/ and pipelines/runners/ both use, above neither.
SHARED_PIPELINE_PARTS = ("pipelines.neutral", "pipelines.counters", "pipelines.progress", "pipelines.tables",
                         "pipelines.files")


def test_a_stage_never_imports_a_runner_nor_what_composes_the_stages():
    stages = {m: i for m, i in modules("pipelines").items() if under(m, "pipelines.stages")}
    assert len(stages) > len(STAGES)
    assert offending(stages, ("pipelines.runners", "pipelines.pipeline", "pipelines.run")) == {}


def test_the_shared_pipeline_parts_import_no_stage_and_no_runner():
    shared = {m: i for m, i in modules("pipelines").items() if m in SHARED_PIPELINE_PARTS}
    assert sorted(shared) == sorted(SHARED_PIPELINE_PARTS)
    assert offending(shared, ("pipelines.stages", "pipelines.runners", "pipelines.pipeline", "pipelines.run")) == {}


def test_nothing_imports_a_command():
    everything = {**modules("webtext"), **modules("pipelines"), **modules("model")}
    assert offending(everything, tuple(COMMANDS)) == {}


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_has_rules_a_transform_and_a_docs_page_of_its_name(stage):
    rules, docs = RULES_AND_DOCS.get(stage, (stage, stage))
    assert (ROOT / "webtext" / rules / "__init__.py").is_file()
    assert (ROOT / "pipelines" / "stages" / f"{stage}.py").is_file()
    assert (ROOT / "docs" / f"{docs}.md").is_file()
