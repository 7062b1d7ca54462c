"""``docs/decisions.md`` is the one definition of the decisions D1–D46 that code and tests cite.

* every decision number cited in a comment or string of a Python file under ``provider/`` or
  ``tests/`` has its section on the page;
* the page has the anchors ``d1`` … ``d37``, each once and in order, each followed by its
  ``## D<n> — <title>`` heading and the four parts of a decision;
* nothing under ``provider/`` points at the reference folder outside the repository.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

pytestmark = pytest.mark.quick

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "decisions.md"
PROVIDER = ROOT / "provider"
TESTS = ROOT / "tests"
NUMBERS = range(1, 47)
OUTSIDE_REFERENCE = "shared/ampeco-api"

# A citation is ``D`` and a number 1–99 without a leading zero, standing on its own: at the start
# or after a space, a bracket, a slash, a comma, a quote, a backtick or a dash, and followed by
# the end, a space, a closing bracket or punctuation. ``(D23)``, ``D13/D28``, ``"D11: …"``, ``# D5:``
# and ``D5–D9`` count; ``ID7``, ``D07``, ``D7x``, ``D123``, ``D1.5`` and ``…+D12=`` (base64) do not.
_BEFORE = r"(?<![^\s(\[/,\"'`–-])"
_AFTER = r"(?![^\s)\]/,.:;\"'`–-])(?!\.\d)"
CITATION = re.compile(_BEFORE + r"D([1-9][0-9]?)" + _AFTER)
#: ``D5–D9`` (en dash or hyphen) also cites the decisions in between.
CITED_RANGE = re.compile(_BEFORE + r"D([1-9][0-9]?)\s*[–-]\s*D([1-9][0-9]?)" + _AFTER)

ANCHOR = re.compile(r'<a\s+id="([^"]*)"\s*>\s*</a>')
HEADING = re.compile(r"^## D([1-9][0-9]?) — \S.*$")
PARTS = ("**Question:**", "**Choice:**", "**Reason:**", "**Where:**")


def _sources(top: Path, suffix: str | None = None) -> Iterator[Path]:
    """Files under ``top``, without byte-code caches and packaging metadata."""
    for path in sorted(top.rglob("*")):
        relative = path.relative_to(top).parts
        if any(
            p == "__pycache__" or p.endswith(".egg-info") or p.startswith(".") for p in relative
        ):
            continue
        if path.is_file() and (suffix is None or path.suffix == suffix):
            yield path


def _prose(path: Path) -> Iterator[tuple[int, str]]:
    """The comments and string literals (docstrings included) of a Python file, with their line."""
    kinds = {tokenize.COMMENT, tokenize.STRING}
    if hasattr(tokenize, "FSTRING_MIDDLE"):  # Python 3.12+ splits f-strings into parts
        kinds.add(tokenize.FSTRING_MIDDLE)
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in kinds:
            yield token.start[0], token.string


def _citations() -> dict[int, list[str]]:
    """Decision number → the places (``path:line``) that cite it."""
    cited: dict[int, list[str]] = {}
    for top in (PROVIDER, TESTS):
        for path in _sources(top, ".py"):
            for line, text in _prose(path):
                numbers = {int(n) for n in CITATION.findall(text)}
                for first, last in CITED_RANGE.findall(text):
                    assert int(first) < int(last), (
                        f"{path.relative_to(ROOT)}:{line}: backwards range D{first}–D{last}"
                    )
                    numbers.update(range(int(first), int(last) + 1))
                for number in numbers:
                    cited.setdefault(number, []).append(f"{path.relative_to(ROOT)}:{line}")
    return cited


def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


def test_every_cited_decision_has_a_section() -> None:
    cited = _citations()
    assert cited, "no decision citations found under provider/ and tests/: the scan is broken"
    documented = {
        int(anchor[1:]) for anchor in ANCHOR.findall(_page()) if re.fullmatch(r"d\d+", anchor)
    }
    missing = {n: places for n, places in sorted(cited.items()) if n not in documented}
    assert not missing, "decisions cited without a section in docs/decisions.md:\n" + "\n".join(
        f"  D{n}: {', '.join(places)}" for n, places in missing.items()
    )


def test_page_has_anchors_d1_to_the_last_once_each_in_order() -> None:
    anchors = ANCHOR.findall(_page())
    assert anchors == [f"d{n}" for n in NUMBERS]


def test_each_anchor_opens_its_section() -> None:
    lines = _page().splitlines()
    anchor_lines = [i for i, line in enumerate(lines) if ANCHOR.fullmatch(line.strip())]
    headings = [i for i, line in enumerate(lines) if line.startswith("## D")]
    problems = []
    for i in headings:
        match = HEADING.match(lines[i])
        if match is None:
            problems.append(f"line {i + 1}: heading not of the form '## D<n> — <title>'")
        elif i == 0 or lines[i - 1].strip() != f'<a id="d{match.group(1)}"></a>':
            problems.append(f'line {i + 1}: not preceded by <a id="d{match.group(1)}"></a>')
    for i in anchor_lines:
        if i + 1 >= len(lines) or not lines[i + 1].startswith("## D"):
            problems.append(f"line {i + 1}: anchor not followed by a '## D<n>' heading")
    bounds = [*headings, len(lines)]
    for start, end in pairwise(bounds):
        section = "\n".join(lines[start:end])
        absent = [part for part in PARTS if part not in section]
        if absent:
            problems.append(f"{lines[start]}: lacks {', '.join(absent)}")
    assert not problems, "\n".join(problems)


def test_provider_does_not_refer_to_the_outside_reference() -> None:
    offending = []
    for path in _sources(PROVIDER):
        data = path.read_bytes()
        if b"\0" in data:
            continue  # not text
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE_REFERENCE in line:
                offending.append(f"  {path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offending, (
        f"files under provider/ refer to {OUTSIDE_REFERENCE} (cite docs/decisions.md instead):\n"
        + "\n".join(offending)
    )


def test_every_file_a_where_line_names_exists() -> None:
    """A decision's "Where" names the files that rely on it; a renamed file must be renamed
    there too."""
    missing = []
    for line_number, line in enumerate(PAGE.read_text(encoding="utf-8").splitlines(), 1):
        for path in re.findall(r"`([\w./-]+\.py)`", line):
            candidates = [ROOT / path, PROVIDER / path]
            if not any(candidate.exists() for candidate in candidates):
                missing.append(f"decisions.md:{line_number}: {path}")
    assert missing == []
