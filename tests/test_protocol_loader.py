"""Loading a protocol: a valid file pins its identity; a broken one says where and why."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kap_console.protocol.identity import git_state, sha256_hex
from kap_console.protocol.loader import (
    LoadedProtocol,
    find_protocol_files,
    load_protocol,
    load_protocol_bytes,
)
from kap_console.protocol.problems import Problem, ProtocolError

REPO = Path(__file__).resolve().parents[1]
IM = REPO / "protocols" / "im-ketamine-120.toml"
BUNDLED = sorted((REPO / "protocols").rglob("*.toml"))
IM_TEXT = IM.read_text(encoding="utf-8")


def problems_of(text: str | bytes) -> list[Problem]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ProtocolError) as raised:
        load_protocol_bytes(data, "p.toml")
    return raised.value.problems


def edited(old: str, new: str, text: str = IM_TEXT) -> str:
    assert old in text
    return text.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


# -- a valid protocol ----------------------------------------------------------------------


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_protocol_loads_and_pins_the_exact_bytes(path: Path) -> None:
    loaded = load_protocol(path, git=False)
    assert isinstance(loaded, LoadedProtocol)
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.identity.sha256 == loaded.sha256
    assert (loaded.identity.id, loaded.identity.version) == (
        loaded.protocol.id,
        loaded.protocol.version,
    )
    assert loaded.identity.title == loaded.protocol.title
    assert loaded.path == path
    assert loaded.identity.path == path.name  # without git: the file name only


def test_the_identity_never_names_a_folder_of_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "im.toml").write_text(IM_TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded = load_protocol("im.toml", git=False)
    assert loaded.path == Path("im.toml")
    assert loaded.identity.path == "im.toml"
    elsewhere = load_protocol(tmp_path / "im.toml")  # outside any git work tree
    assert elsewhere.identity.path == "im.toml"
    assert str(tmp_path) not in elsewhere.identity.model_dump_json()


def test_loaded_protocol_is_immutable() -> None:
    loaded = load_protocol(IM, git=False)
    with pytest.raises(AttributeError):
        loaded.sha256 = "x"  # type: ignore[misc]


def test_a_byte_order_mark_and_windows_line_endings_are_accepted() -> None:
    data = b"\xef\xbb\xbf" + IM_TEXT.replace("\n", "\r\n").encode()
    loaded = load_protocol_bytes(data, "crlf.toml")
    assert loaded.protocol.id == "im-ketamine-120"
    assert loaded.sha256 == sha256_hex(data)


def test_problems_are_placed_correctly_with_windows_line_endings() -> None:
    text = edited("window_minutes = 120", 'window_minutes = "120"')
    (problem,) = problems_of(text.replace("\n", "\r\n"))
    assert (problem.line, problem.col) == (line_of(text, "window_minutes ="), 18)


# -- git identity ----------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(folder: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.org",
    )
    done = subprocess.run(
        ["git", *args], cwd=folder, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@needs_git
def test_a_committed_protocol_pins_the_commit_and_a_clean_state(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    protocol = tmp_path / "practice" / "im.toml"
    protocol.parent.mkdir()
    protocol.write_text(IM_TEXT, encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "protocol")
    head = _git(tmp_path, "rev-parse", "HEAD")

    identity = load_protocol(protocol).identity
    assert (identity.git_commit, identity.git_dirty) == (head, False)
    assert identity.path == "practice/im.toml"  # inside its work tree, not /tmp/…

    protocol.write_text(IM_TEXT.replace('version = "1.0.0"', 'version = "1.0.1"'))
    identity = load_protocol(protocol).identity
    assert (identity.git_commit, identity.git_dirty, identity.version) == (head, True, "1.0.1")


@needs_git
def test_an_untracked_protocol_in_a_repository_counts_as_uncommitted(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "readme").write_text("x")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "first")
    protocol = tmp_path / "new.toml"
    protocol.write_text(IM_TEXT, encoding="utf-8")
    commit, dirty = git_state(protocol)
    assert commit == _git(tmp_path, "rev-parse", "HEAD")
    assert dirty is True


@needs_git
def test_a_repository_without_commits_gives_no_git_identity(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    protocol = tmp_path / "im.toml"
    protocol.write_text(IM_TEXT, encoding="utf-8")
    assert git_state(protocol) == (None, None)


def test_outside_a_repository_the_git_fields_are_empty(tmp_path: Path) -> None:
    protocol = tmp_path / "im.toml"
    protocol.write_text(IM_TEXT, encoding="utf-8")
    identity = load_protocol(protocol).identity
    assert (identity.git_commit, identity.git_dirty) == (None, None)


def test_without_git_installed_the_protocol_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    loaded = load_protocol(IM)
    assert (loaded.identity.git_commit, loaded.identity.git_dirty) == (None, None)
    assert loaded.protocol.id == "im-ketamine-120"


# -- files that cannot be read ---------------------------------------------------------------


def test_a_missing_file_is_one_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError) as raised:
        load_protocol(tmp_path / "nope.toml")
    assert str(raised.value) == f"{tmp_path / 'nope.toml'}:1:1: no such file"


def test_a_folder_is_not_a_protocol(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="is a folder"):
        load_protocol(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_says_permission_denied(tmp_path: Path) -> None:
    protocol = tmp_path / "locked.toml"
    protocol.write_text(IM_TEXT)
    protocol.chmod(0)
    with pytest.raises(ProtocolError, match="cannot read the file \\(permission denied\\)"):
        load_protocol(protocol)


def test_empty_and_blank_files_say_the_file_is_empty() -> None:
    for data in (b"", b"\n\n  \t\n"):
        (problem,) = problems_of(data)
        assert (problem.line, problem.col) == (1, 1)
        assert "the file is empty" in problem.message


def test_invalid_utf8_names_the_byte_offset_and_its_line() -> None:
    data = b'id = "x"\ntitle = "caf\xe9"\n'
    (problem,) = problems_of(data)
    assert (problem.line, problem.col) == (2, 13)
    assert "byte 0xe9 at byte offset 21" in problem.message


def test_binary_data_is_called_binary() -> None:
    (problem,) = problems_of(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    assert "looks binary" in problem.message


# -- problems in plain words -----------------------------------------------------------------


def test_a_misspelt_key_suggests_the_right_one_at_the_key() -> None:
    text = edited('  scope = "baseline"\n', '  scpoe = "baseline"\n')
    (problem,) = problems_of(text)
    assert (
        problem.message == "measures[0].thresholds[0]: unknown key 'scpoe' (did you mean 'scope'?)"
    )
    assert (problem.line, problem.col) == (line_of(text, "scpoe"), 3)
    assert problem.key == "measures[0].thresholds[0].scpoe"


def test_a_misspelt_allowed_value_suggests_the_right_one() -> None:
    (problem,) = problems_of(edited('grading = "mild_moderate_severe"', 'grading = "mild"'))
    assert "adverse_events[3].grading: expected one of 'ctcae' or 'mild_moderate_severe'" in str(
        problem
    )


def test_wrong_types_are_said_in_plain_words_without_pydantic_links() -> None:
    text = edited("prefill = false", "prefill = 0")
    (problem,) = problems_of(text)
    assert problem.message == "measures[8].prefill: expected true or false, got the whole number 0"
    assert "pydantic" not in str(problem) and "http" not in str(problem)


def test_numbers_are_strict_so_a_count_cannot_be_a_decimal() -> None:
    (problem,) = problems_of(edited("grace_minutes = 10", "grace_minutes = 10.0"))
    assert (
        "schedule[1].grace_minutes: expected a whole number, got the decimal 10.0 (write 10)"
        in str(problem)
    )


def test_a_whole_number_is_accepted_where_a_decimal_is_allowed() -> None:
    loaded = load_protocol_bytes(edited("max_total_mg = 60", "max_total_mg = 60.0").encode(), "p")
    assert loaded.protocol.drug.max_total_mg == 60


def test_infinite_dose_bounds_are_refused() -> None:
    (problem,) = problems_of(
        edited("dose_mg = { min = 10, max = 60 }", "dose_mg = { min = 10, max = inf }")
    )
    assert problem.message == "drug.dose_mg.max: must be a finite number, got inf"


def test_problems_come_in_file_order_each_on_its_own_line() -> None:
    text = edited('id = "note"', 'id = "Note"')
    text = edited("window_minutes = 120", "window_minutes = 5", text)
    problems = problems_of(text)
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert str(ProtocolError(problems)).count("\n") == len(problems) - 1


def test_a_syntax_error_is_placed_where_tomllib_says() -> None:
    text = edited('form = "racemic', 'form = = "racemic')
    (problem,) = problems_of(text)
    assert (problem.line, problem.col) == (line_of(text, "form = ="), 8)
    assert problem.message == "TOML syntax error: Invalid value"


def test_deep_nesting_inside_a_valid_protocol_is_a_problem_not_a_crash() -> None:
    text = IM_TEXT + "\n[extra]\nx = " + "[" * 5000 + "]" * 5000 + "\n"
    (problem,) = problems_of(text)
    assert "nested too deeply" in problem.message
    assert problem.line == line_of(text, "x = [")


def test_many_levels_that_tomllib_can_read_are_reported_as_an_unknown_key() -> None:
    text = edited("window_minutes = 120", "window_minutes = 120\nnest = " + "[" * 150 + "]" * 150)
    (problem,) = problems_of(text)
    assert problem.message.startswith("unknown key 'nest' (valid keys: format, id, title,")
    assert (problem.line, problem.col) == (line_of(text, "nest"), 1)


# -- finding protocol files ------------------------------------------------------------------


def test_find_protocol_files_walks_folders_and_skips_hidden_ones(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("a/one.toml", "a/b/two.toml", ".git/hidden.toml", "a/notes.txt", "z.toml"):
        (tmp_path / name).write_text("")
    found = find_protocol_files([tmp_path, tmp_path / "z.toml", tmp_path / "a" / "notes.txt"])
    relative = [p.relative_to(tmp_path).as_posix() for p in found]
    assert relative == ["z.toml", "a/one.toml", "a/b/two.toml", "a/notes.txt"]


def test_find_protocol_files_refuses_a_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        find_protocol_files([tmp_path / "missing"])


# -- input built to be slow --------------------------------------------------------------------


def test_an_absurdly_long_dotted_key_is_refused_before_parsing() -> None:
    # tomllib needs time and memory quadratic in the parts of one dotted key.
    text = "title = 'x'\n" + "a" + " . a" * 200_000 + " = 1\n"
    (problem,) = problems_of(text)
    assert (problem.line, problem.col) == (2, 1)
    assert "more than 100 parts" in problem.message


def test_thousands_of_problems_are_cut_to_a_hundred_and_a_count() -> None:
    text = IM_TEXT + "".join(f"\n[extra_{i}]\nx = 1\n" for i in range(3000))
    problems = problems_of(text)
    assert len(problems) == 101
    assert problems[-1].message == "… and 2900 more problems; fix these first"
