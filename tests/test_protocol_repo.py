"""A practice's protocol repository: `protocol init`, the version hook with real commits, and
a real `pre-commit run` of the hooks init configures (offline: `repo: local`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kap_console.cli import main
from kap_console.protocol.versioning import semver_key

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BIN = Path(sys.executable).parent
CORPUS = Path(__file__).parent / "broken_protocols"


def _env() -> dict[str, str]:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="Clinical Lead",
        GIT_AUTHOR_EMAIL="lead@example.org",
        GIT_COMMITTER_NAME="Clinical Lead",
        GIT_COMMITTER_EMAIL="lead@example.org",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "core.fsmonitor=false", *args],
        cwd=repo,
        env=_env(),
        capture_output=True,
        text=True,
        check=check,
    )


def init(folder: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["protocol", "init", str(folder)]) == 0
    return capsys.readouterr().out


# -- init ------------------------------------------------------------------------------------

EXPECTED_FILES = [
    ".pre-commit-config.yaml",
    "protocol.schema.json",
    "tombi.toml",
    ".taplo.toml",
    ".gitattributes",
    "README.md",
]


def test_init_in_a_fresh_folder_sets_everything_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "practice"
    out = init(repo, capsys)
    assert "created git repository (git init)" in out
    assert (repo / ".git").is_dir()
    for name in EXPECTED_FILES:
        assert (repo / name).is_file(), name
    starter = repo / "protocols" / "practice-im-ketamine-120.toml"
    text = starter.read_text(encoding="utf-8")
    assert 'id = "practice-im-ketamine-120"' in text
    assert 'version = "0.1.0"\nstatus = "draft"' in text
    assert 'disclaimer = "Example for software use only.' in text
    assert text.startswith("#:schema ../protocol.schema.json\n")
    assert main(["protocol", "validate", str(starter)]) == 0
    config = git(repo, "config", "--local", "--get", "diff.kap-protocol.textconv").stdout
    assert config.strip() == "kap-console protocol diff --textconv"
    assert "protocols/**/*.toml diff=kap-protocol" in (repo / ".gitattributes").read_text()
    hooks = (repo / ".pre-commit-config.yaml").read_text()
    assert "repo: local" in hooks and "language: system" in hooks
    assert "entry: kap-console protocol check-version" in hooks
    from kap_console.protocol.schema import schema_text

    assert (repo / "protocol.schema.json").read_text() == schema_text()


def test_init_twice_changes_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "practice"
    init(repo, capsys)
    before = {path: path.read_bytes() for path in repo.rglob("*") if path.is_file()}
    out = init(repo, capsys)
    assert out.startswith(f"nothing to do: {repo} is already set up")
    after = {path: path.read_bytes() for path in repo.rglob("*") if path.is_file()}
    assert after == before


def test_init_in_an_existing_repository_keeps_its_files_and_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "clinic"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("# Clinic protocols\n")
    (repo / "protocols").mkdir()
    shutil.copy(Path(__file__).parents[1] / "protocols" / "esketamine-120.toml", repo / "protocols")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Our protocols")
    out = init(repo, capsys)
    assert "git init" not in out
    assert "kept README.md (already there)" in out
    assert "kept protocols/ (already holds protocols)" in out
    assert (repo / "README.md").read_text() == "# Clinic protocols\n"
    assert sorted(p.name for p in (repo / "protocols").iterdir()) == ["esketamine-120.toml"]
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1
    assert (repo / ".gitattributes").is_file()
    second = init(repo, capsys)
    assert second.startswith("nothing to do:")


def test_init_refuses_an_id_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["protocol", "init", str(tmp_path / "x"), "--id", "Our Protocol"]) == 2
    assert "is not a protocol id" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# -- versions --------------------------------------------------------------------------------


def test_semantic_versions_sort_by_precedence() -> None:
    ordered = ["0.1.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0", "1.0.1", "1.10.0"]
    assert sorted(ordered, key=semver_key) == ordered
    assert semver_key("1.0.0+clinic") == semver_key("1.0.0")
    with pytest.raises(ValueError):
        semver_key("1.0")


@pytest.fixture
def committed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A scaffolded repository with its first commit; returns the protocol file."""
    repo = tmp_path / "practice"
    init(repo, capsys)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "First draft")
    (protocol,) = (repo / "protocols").glob("*.toml")
    return protocol


def _edit(path: Path, *pairs: tuple[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def _commit_with_hook(protocol: Path) -> subprocess.CompletedProcess[str]:
    """Commit through a real pre-commit hook that runs `check-version` on staged files."""
    repo = protocol.parents[1]
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f'#!/bin/sh\nexec "{BIN / "kap-console"}" protocol check-version\n')
    hook.chmod(0o755)
    git(repo, "add", "-A")
    return git(repo, "commit", "-qm", "Change", check=False)


needs_console = pytest.mark.skipif(
    not (BIN / "kap-console").exists(), reason="the kap-console script is not installed"
)


@needs_console
def test_a_changed_protocol_without_a_new_version_is_refused(committed: Path) -> None:
    _edit(committed, ("at_least = 180", "at_least = 170"))
    done = _commit_with_hook(committed)
    assert done.returncode != 0
    assert "changed since HEAD but its version is still 0.1.0" in done.stderr
    assert git(committed.parents[1], "log", "--oneline").stdout.count("\n") == 1


@needs_console
def test_a_changed_protocol_with_a_higher_version_is_accepted(committed: Path) -> None:
    _edit(committed, ("at_least = 180", "at_least = 170"), ('"0.1.0"', '"0.2.0"'))
    done = _commit_with_hook(committed)
    assert done.returncode == 0, done.stderr
    assert "version 0.1.0 → 0.2.0" in done.stdout + done.stderr
    assert git(committed.parents[1], "log", "--oneline").stdout.count("\n") == 2


@needs_console
def test_a_version_going_down_is_refused(committed: Path) -> None:
    _edit(committed, ('"0.1.0"', '"0.0.9"'))
    done = _commit_with_hook(committed)
    assert done.returncode != 0
    assert "version went down: 0.1.0 at HEAD → 0.0.9" in done.stderr


@needs_console
def test_approving_a_draft_as_it_stands_needs_no_new_version(committed: Path) -> None:
    _edit(
        committed,
        (
            'status = "draft"',
            'status = "approved"\napproved_by = "Dr A. Lead"\napproved_on = 2026-11-30',
        ),
    )
    done = _commit_with_hook(committed)
    assert done.returncode == 0, done.stderr


@needs_console
def test_layout_only_changes_need_no_new_version(committed: Path) -> None:
    _edit(committed, ("format = 1\n", "# reviewed in November\nformat = 1\n"))
    assert _commit_with_hook(committed).returncode == 0


# -- pre-commit, for real --------------------------------------------------------------------


def _pre_commit() -> str | None:
    found = BIN / "pre-commit"
    return str(found) if found.exists() else shutil.which("pre-commit")


@pytest.mark.skipif(_pre_commit() is None, reason="pre-commit is not installed")
@needs_console
def test_pre_commit_runs_offline_and_points_at_the_broken_protocol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "practice"
    init(repo, capsys)
    (good,) = (repo / "protocols").glob("*.toml")
    broken = repo / "protocols" / "broken.toml"
    shutil.copy(CORPUS / "rule-two-comparisons.toml", broken)
    git(repo, "add", "-A")
    env = _env()
    # No network: pre-commit must not need to fetch anything for `repo: local` hooks.
    env.update(PRE_COMMIT_HOME=str(tmp_path / "cache"), HTTPS_PROXY="http://127.0.0.1:9")
    env.update(HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="")
    done = subprocess.run(
        [str(_pre_commit()), "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if "An unexpected error has occurred" in done.stdout + done.stderr:
        pytest.skip(f"pre-commit could not run here: {done.stdout[-300:]}")
    out = done.stdout
    assert done.returncode == 1, out
    assert "protocols/broken.toml:78:3: " in out
    assert "set exactly one of above, at_least, below, at_most" in out
    assert "2 protocol files checked: 1 valid, 1 invalid (1 problem)" in out
    assert not [line for line in out.splitlines() if line.startswith(f"protocols/{good.name}:")]
    assert "a changed protocol needs a higher version" in out
    broken.unlink()
    git(repo, "add", "-A")
    again = subprocess.run(
        [str(_pre_commit()), "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stdout
    assert again.stdout.count("Passed") == 2  # validate, check-version
