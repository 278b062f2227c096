"""`kap-console protocol init`: a practice's protocol repository, ready to review changes.

What it sets up, each piece only when it is missing (a second run changes nothing):
- git (`git init` when the folder is not in a work tree yet);
- `protocols/<id>.toml`, copied from a bundled example with a new id, version 0.1.0,
  status "draft" and the example's disclaimer kept (only when `protocols/` holds none);
- `.pre-commit-config.yaml` running the installed console (`repo: local`,
  `language: system`: no download, so it works offline): validate and check-version;
- `protocol.schema.json` with `tombi.toml` and `.taplo.toml` binding it to protocols/;
- `.gitattributes` naming the `kap-protocol` diff driver, and the driver itself in the
  repository's local git config (`diff.kap-protocol.textconv`), so `git diff` and
  `git log -p` show protocol changes in the protocol's own words;
- a short README for the practice.
Files already there are kept as they are, even when they differ from what init would write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .git import GitError, git, work_tree_root

DEFAULT_EXAMPLE = "im-ketamine-120"
DRIVER = "kap-protocol"
TEXTCONV = "kap-console protocol diff --textconv"
# Hunk headers name the entry a change is in (the rendering starts entries with "- ").
XFUNCNAME = "^(- .*|## .*)$"
SCHEMA_FILE = "protocol.schema.json"

PRE_COMMIT_CONFIG = """\
# Checks kap-console runs before each commit (https://pre-commit.com); run
# `pre-commit install` once in this repository. `repo: local` with `language: system`
# runs the kap-console installed on this machine: nothing is downloaded, so it works
# offline, and it checks exactly the format the console here loads.
repos:
  - repo: local
    hooks:
      - id: kap-console-validate
        name: validate kap-console protocols
        entry: kap-console protocol validate
        language: system
        files: ^protocols/.*\\.toml$
      - id: kap-console-check-version
        name: a changed protocol needs a higher version
        entry: kap-console protocol check-version
        language: system
        files: ^protocols/.*\\.toml$
"""

TOMBI = f"""\
# Tombi (https://tombi-toml.github.io/tombi): check protocols against the kap-console
# schema as you type. Regenerate the schema after upgrading kap-console:
#   kap-console protocol schema -o {SCHEMA_FILE}
toml-version = "v1.0.0"

[[schemas]]
path = "{SCHEMA_FILE}"
include = ["protocols/**/*.toml"]
"""

TAPLO = f"""\
# Taplo / Even Better TOML: the same schema binding as tombi.toml (Tombi is recommended:
# it reports each problem once).
[[rule]]
include = ["protocols/**/*.toml"]

[rule.schema]
path = "./{SCHEMA_FILE}"
"""

GITATTRIBUTES = f"""\
# Protocol changes in the protocol's own words in `git diff` and `git log -p`. The driver
# is set up in this repository's git config by `kap-console protocol init`; on another
# clone, run init once (or the two `git config` lines in README.md).
protocols/**/*.toml diff={DRIVER}
"""

README = f"""\
# Our session protocols

The protocols our kap-console sessions run, one TOML file each in `protocols/`. Every change
is reviewed like code: what changed clinically, under a new version, approved by name.

- **Edit** a protocol in an editor with Tombi (or Taplo): `tombi.toml` binds the schema, so
  keys complete and most mistakes show as you type. `kap-console protocol validate protocols/`
  checks everything, including the rules across the file; problems print as `file:line:col`.
- **Version**: every change gets a higher semantic version (`0.1.0` → `0.2.0`, or
  `0.1.1` for a small fix). The `kap-console-check-version` hook refuses a commit that
  changes a protocol without raising its version, or lowers one.
- **Approve**: a version under review has `status = "draft"`. Once the clinical lead has
  approved it, set `status = "approved"`, `approved_by = "<name>"` and
  `approved_on = <date>` (e.g. `2026-11-30`). A real session on a draft asks the
  facilitator to confirm, and the session record says so.
- **Review**: `git diff` and `git log -p protocols/` show changes as "Systolic BP urgent
  threshold: ≥ 180 → ≥ 170 mmHg"; `kap-console protocol diff --rev HEAD~1 protocols/<file>`
  compares with an earlier commit (`--format json` for tools).

Set-up on a new clone: `pre-commit install` and `kap-console protocol init .` (it adds
the git diff driver to this clone's config and changes nothing else), or by hand:

    git config diff.{DRIVER}.textconv "{TEXTCONV}"
    git config diff.{DRIVER}.xfuncname "{XFUNCNAME}"

The first protocol was copied from a kap-console example: it is **not clinical guidance**
until this practice has rewritten, reviewed and approved it.
"""


class ScaffoldError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ScaffoldReport:
    folder: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    configured: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.configured)

    def lines(self) -> list[str]:
        if not self.changed:
            return [
                f"nothing to do: {self.folder} is already set up "
                f"({len(self.kept)} files and the git diff driver checked, none changed)",
                *self.notes,
            ]
        lines = [f"created {name}" for name in self.created]
        lines += [f"configured {name}" for name in self.configured]
        lines += [f"kept {name} (already there)" for name in self.kept]
        return lines + self.notes


def _example(name: str | None) -> Path:
    from kap_console import paths

    folder = paths.bundled_protocols_dir()
    wanted = name or DEFAULT_EXAMPLE
    candidates = [Path(wanted)] if Path(wanted).is_file() else []
    candidates += [folder / wanted, folder / f"{wanted}.toml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    known = ", ".join(sorted(path.stem for path in folder.glob("*.toml")))
    raise ScaffoldError(f"no bundled example {wanted!r} (bundled: {known})")


def starter_protocol(example: Path, protocol_id: str) -> str:
    """The example's text with a new id, version 0.1.0 and status "draft"; its disclaimer,
    comments and everything else kept. Raises ScaffoldError if the result does not load."""
    from .loader import load_protocol_bytes
    from .problems import ProtocolError

    text = example.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(status|approved_by|approved_on) = .*\n", "", text)
    text = re.sub(r'(?m)^id = ".*"$', f'id = "{protocol_id}"', text, count=1)
    text = re.sub(r'(?m)^version = ".*"$', 'version = "0.1.0"\nstatus = "draft"', text, count=1)
    text = re.sub(r"(?m)^#:schema .*$", f"#:schema ../{SCHEMA_FILE}", text, count=1)
    try:
        load_protocol_bytes(text.encode("utf-8"), f"protocols/{protocol_id}.toml")
    except ProtocolError as error:  # a defect of the bundled example, never the user's
        raise ScaffoldError(f"the starter protocol does not validate: {error}") from None
    return text


def _write_new(folder: Path, name: str, text: str, report: ScaffoldReport) -> None:
    target = folder / name
    if target.exists():
        report.kept.append(name)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    report.created.append(name)


def _config(root: Path, key: str, value: str, report: ScaffoldReport) -> None:
    try:
        current = git(root, "config", "--local", "--get", key).decode().strip()
    except GitError:
        current = None
    if current == value:
        return
    git(root, "config", "--local", key, value)
    report.configured.append(f"git config {key}")


def scaffold(
    folder: Path, *, example: str | None = None, protocol_id: str | None = None
) -> ScaffoldReport:
    """Set up (or complete) the protocol repository in `folder`."""
    from .schema import schema_text

    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} is a file, not a folder")
    source = _example(example)
    new_id = protocol_id or f"practice-{source.stem}"
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,63}", new_id):
        raise ScaffoldError(
            f"{new_id!r} is not a protocol id: lower-case letters, digits, '_' and '-', "
            "starting with a letter"
        )
    report = ScaffoldReport(folder)
    folder.mkdir(parents=True, exist_ok=True)
    root = work_tree_root(folder)
    try:
        if root is None:
            git(folder, "init", "--quiet")
            report.created.append("git repository (git init)")
            root = work_tree_root(folder) or folder
        elif root.resolve() != folder.resolve():
            report.notes.append(
                f"note: {folder} is inside the repository at {root}; pre-commit reads "
                f".pre-commit-config.yaml from {root}"
            )
        protocols = folder / "protocols"
        if any(protocols.rglob("*.toml")) if protocols.is_dir() else False:
            report.kept.append("protocols/ (already holds protocols)")
        else:
            _write_new(folder, f"protocols/{new_id}.toml", starter_protocol(source, new_id), report)
        _write_new(folder, ".pre-commit-config.yaml", PRE_COMMIT_CONFIG, report)
        _write_new(folder, SCHEMA_FILE, schema_text(), report)
        _write_new(folder, "tombi.toml", TOMBI, report)
        _write_new(folder, ".taplo.toml", TAPLO, report)
        _write_new(folder, ".gitattributes", GITATTRIBUTES, report)
        _write_new(folder, "README.md", README, report)
        _config(root, f"diff.{DRIVER}.textconv", TEXTCONV, report)
        _config(root, f"diff.{DRIVER}.xfuncname", XFUNCNAME, report)
    except GitError as error:
        raise ScaffoldError(f"git: {error.message}") from None
    except OSError as error:
        raise ScaffoldError(f"cannot write in {folder}: {error.strerror or error}") from None
    return report
