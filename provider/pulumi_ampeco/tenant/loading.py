"""Reading a tenant document: YAML that refuses repeated keys, lines for every path, and
``${config:…}`` values from the stack.

A repeated key in YAML silently wins over the first in most parsers; in a tenant document it
is nearly always a copy-paste mistake (two charge points named ``cp-1``), so it is an error.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import qualified

DocPath = tuple[str | int, ...]
"""Where a value is in a document: section, key, field, list index, …"""

#: A key names an object within its section: letters, digits, ``-`` and ``_`` (no dots or
#: slashes, which separate the parts of a path).
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
KEY = re.compile(KEY_PATTERN)
#: The document's own flags on an object: take over an existing one (``true``: the one with the
#: same key; an id: exactly that object), and leave it on the tenant when it leaves the stack.
ADOPT = "adopt"
RETAIN = "retain_on_delete"
#: The key (or keys) an object had before: the stack's object under that key is this one, kept
#: with its id (the ``Tenant`` component turns it into aliases), never deleted and created.
RENAMED_FROM = "renamed_from"
#: At the top of a document that declares no object on purpose (it empties the stack).
EMPTY = "delete_everything"
#: At the top of an exported document: the tenant whose ids its ``adopt: <id>`` name. On any
#: other tenant those ids are not used (see :mod:`pulumi_ampeco.adoption`).
IDS_FROM = "ids_from"
#: ``(value, secret?)`` for a ``namespace:key`` config name; the value is ``None`` if the key
#: is not set and :data:`UNREADABLE` if it is set but cannot be read here (encrypted).
ConfigLookup = Callable[[str], tuple[str | None, bool]]
UNREADABLE = "\x00unreadable"

_KEY = r"[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)?"
#: ``$${`` (a literal ``${``), a config reference, or anything else that starts with ``${``.
_DOLLAR = re.compile(r"\$\$\{|\$\{config:(" + _KEY + r")\}|\$\{[^}]*\}?")


def literal(text: str) -> str:
    """``text`` as a document writes it to mean exactly ``text``: every ``${`` becomes ``$${``.

    Text read from a tenant is data, never a template: without this, a name that reads
    ``${config:ampeco:apiToken}`` would take the stack's secret on the next ``up``. Read left to
    right, each ``$${`` is one escape and every other ``$`` stays as it is, so
    :func:`substitute` (and :func:`unliteral`) give back ``text`` byte for byte."""
    return text.replace("${", "$${")


def unliteral(text: str) -> str:
    """The text a document's value means when it holds no config reference (the inverse of
    :func:`literal`)."""
    return text.replace("$${", "${")


class _Loader(yaml.SafeLoader):
    """YAML read the way people write tenant documents (close to YAML 1.2's core schema).

    YAML 1.1, PyYAML's default, would silently turn ``NO`` (Norway) and ``on``/``off``/
    ``yes``/``no`` into booleans, ``0150`` (a post code) into the octal number 104, and
    ``22:00`` into 1320, and ``2025-01-31`` into a date: here only ``true``/``false`` are
    booleans and only plain decimal (or ``0x``) numbers are numbers; everything else stays
    text.
    """


_YAML = "tag:yaml.org,2002:"
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag
        not in (
            _YAML + "bool",
            _YAML + "int",
            _YAML + "float",
            _YAML + "timestamp",
            _YAML + "value",
        )
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
#: What a true/false, an integer and a decimal number look like; a value tagged ``!!int``,
#: ``!!float`` or ``!!bool`` must look so too.
_SCALARS = {
    _YAML + "bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    _YAML + "int": re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$"),
    _YAML + "float": re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?(?:0|[1-9][0-9]*)[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
}
_Loader.add_implicit_resolver(_YAML + "bool", _SCALARS[_YAML + "bool"], list("tTfF"))
_Loader.add_implicit_resolver(_YAML + "int", _SCALARS[_YAML + "int"], list("-+0123456789"))
_Loader.add_implicit_resolver(_YAML + "float", _SCALARS[_YAML + "float"], list("-+.0123456789"))


#: The only tags a document may carry, written or implied: plain YAML (text, numbers, true/false,
#: null, lists, mappings, and ``<<`` merge keys). Anything else (``!!python/object``, ``!!binary``,
#: ``!!set``, a custom ``!tag``) is refused before any value is made from it.
PLAIN_TAGS = frozenset(
    _YAML + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
)
#: How deep mappings and lists may nest (a tenant document needs fewer than ten levels).
MAX_DEPTH = 64
#: Values that aliases may add beyond those written out, plus ten per value written out: a
#: shared block of defaults is fine, a "billion laughs" that expands a few hundred bytes into
#: millions of values is refused before it is expanded.
ALIAS_ALLOWANCE = 100_000
#: The largest document read: 16 MiB. A large real tenant (a thousand locations with their
#: stations, EVSEs and connectors) is about 4 MiB of YAML; reading and validating take two to
#: four seconds and about 80 MiB of memory per MiB (bench/tenant_document.py), so a file beyond
#: this is refused before it is read or parsed.
MAX_DOCUMENT_BYTES = 16 * 2**20
#: The most digits a number may be written with: far more than any number the API holds (19
#: digits of a 64-bit integer, 17 significant digits of a decimal), and far fewer than Python
#: turns into a number at all (4,300). Below it, the models say why a number is too large.
MAX_NUMBER_DIGITS = 100


@dataclass
class Problem:
    """One thing wrong with the document, at ``path`` (and ``line`` of the file, if known)."""

    path: DocPath
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        return format_path(self.path) or "(document)"


@dataclass
class Source:
    """A parsed document with the line of each path (empty for a document given as a dict)."""

    data: Any
    name: str = "tenant document"
    lines: dict[DocPath, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, path: DocPath) -> int | None:
        """The line of ``path`` or of its nearest enclosing object."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def format_path(path: DocPath) -> str:
    """``("locations", "depot", "evses", 0, "power_options")`` →
    ``locations.depot.evses[0].power_options``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read(document: str | Path | Mapping[str, Any]) -> Source:
    """Parse a document given as a file path or as a mapping (taken as it is)."""
    if isinstance(document, Mapping):
        return Source(dict(document), name="tenant document")
    path = Path(document)
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            # A file too large is refused by its size; one that grows (or a pipe) by reading.
            raw = b"" if size > MAX_DOCUMENT_BYTES else stream.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        return Source(None, str(path), problems=[Problem((), f"cannot read it: {error}")])
    if size > MAX_DOCUMENT_BYTES or len(raw) > MAX_DOCUMENT_BYTES:
        return Source(None, str(path), problems=[_too_large(max(size, len(raw)))])
    text = _decoded(raw)
    if isinstance(text, Problem):
        return Source(None, str(path), problems=[text])
    return parse(text, str(path))


def _too_large(size: int) -> Problem:
    shown = f"{size:,} bytes"
    if size == MAX_DOCUMENT_BYTES + 1:  # read up to the limit and found more
        shown = f"more than {MAX_DOCUMENT_BYTES:,} bytes"
    return Problem(
        (),
        f"the document is {shown}; a tenant document may be at most 16 MiB"
        f" ({MAX_DOCUMENT_BYTES:,} bytes), so it was not read",
    )


#: Byte order marks of encodings other than UTF-8 (UTF-32's first: UTF-16's is its prefix).
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _decoded(raw: bytes) -> str | Problem:
    """The file's text, or what keeps it from being UTF-8 (a byte order mark of another
    encoding, or the first byte that is not UTF-8, at its line)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return Problem(
                (),
                f"not UTF-8 text: it is {encoding} (it starts with a {encoding} byte order"
                " mark); save the file as UTF-8",
                1,
            )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return Problem(
            (), f"not UTF-8 text: byte 0x{raw[error.start]:02x} (save the file as UTF-8)", line
        )


def parse(text: str, name: str = "tenant.yaml") -> Source:
    """Parse YAML text; a syntax error or a repeated key is a :class:`Problem`, not an
    exception."""
    source = Source(None, name)
    if len(text) > MAX_DOCUMENT_BYTES or len(text.encode("utf-8", "surrogatepass")) > (
        MAX_DOCUMENT_BYTES
    ):
        source.problems.append(_too_large(len(text.encode("utf-8", "surrogatepass"))))
        return source
    # One parse: the node tree gives the lines, and the same tree is turned into the data.
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:  # a character YAML does not allow anywhere
        source.problems.append(_not_allowed(error, text))
        return source
    try:
        node = loader.get_single_node()
    except RecursionError:
        source.problems.append(Problem((), f"nested more than {MAX_DEPTH} levels deep"))
        return source
    except yaml.YAMLError as error:
        source.problems.append(_not_yaml(error))
        return source
    if node is None:
        loader.dispose()
        source.data = {}
        return source
    refused = _inspect(node)
    if refused is not None:
        loader.dispose()
        source.problems.append(refused)
        return source
    try:
        unreadable: list[Problem] = []
        _index(node, (), source, unreadable)
        if unreadable:  # a number that would not become a number, checked before it is made
            source.problems += unreadable
            return source
        # With a repeated key the later value is kept, so the rest is still checked.
        source.data = loader.construct_document(node)
    except RecursionError:
        source.problems.append(Problem((), "an alias refers to the object that holds it"))
    except yaml.YAMLError as error:  # a merge key (`<<`) on something not a mapping
        source.problems.append(_not_yaml(error))
    finally:
        loader.dispose()
    return source


def _not_allowed(error: yaml.reader.ReaderError, text: str) -> Problem:
    """A character YAML refuses (NUL and other control characters), at its line."""
    line = text.count("\n", 0, error.position) + 1
    return Problem(
        (),
        f"the character U+{error.character:04X} is not allowed in a YAML document (a control"
        " character, or not text at all): remove it, or check that the file is UTF-8 text",
        line,
    )


def _not_yaml(error: yaml.YAMLError) -> Problem:
    """What the YAML parser found wrong, at its line if it says."""
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(error, "problem", None) or str(error)
    return Problem((), f"not valid YAML: {reason}", line)


def _inspect(root: yaml.Node) -> Problem | None:
    """What makes the document unsafe to expand, before anything is made from it: a tag that is
    not plain YAML, nesting beyond :data:`MAX_DEPTH`, an alias inside what it names, or
    aliases that would expand it beyond :data:`ALIAS_ALLOWANCE`. Each node is visited once."""
    # Per node: the values under it, counting what aliases repeat, and how deep it nests.
    sizes: dict[int, tuple[int, int]] = {}
    open_: set[int] = set()
    too_deep = f"nested more than {MAX_DEPTH} levels deep"

    def size(node: yaml.Node, depth: int) -> tuple[int, int] | Problem:
        line = node.start_mark.line + 1
        if node.tag not in PLAIN_TAGS:
            return Problem(
                (),
                f"the tag `{_shown_tag(node.tag)}` is not allowed: a tenant document"
                " is plain YAML (text, numbers, true/false, null, lists and mappings)",
                line,
            )
        if id(node) in open_:
            return Problem((), "an alias refers to the object that holds it", line)
        if id(node) in sizes:  # an alias: what it names, again, at this depth
            if depth + sizes[id(node)][1] > MAX_DEPTH:
                return Problem((), too_deep, line)
            return sizes[id(node)]
        if depth > MAX_DEPTH:
            return Problem((), too_deep, line)
        total, height = 1, 0
        if isinstance(node, yaml.CollectionNode):
            open_.add(id(node))
            children: list[yaml.Node] = (
                [n for pair in node.value for n in pair]
                if isinstance(node, yaml.MappingNode)
                else list(node.value)
            )
            for child in children:
                inner = size(child, depth + 1)
                if isinstance(inner, Problem):
                    return inner
                total += inner[0]
                height = max(height, inner[1] + 1)
            open_.discard(id(node))
        sizes[id(node)] = (total, height)
        return sizes[id(node)]

    measured = size(root, 0)
    if isinstance(measured, Problem):
        return measured
    expanded = measured[0]
    allowed = ALIAS_ALLOWANCE + 11 * len(sizes)
    if expanded > allowed:
        return Problem(
            (),
            f"its aliases (`*name`) would expand it from {len(sizes):,} values to"
            f" {expanded:,}, more than the {allowed:,} allowed: write the repeated parts out,"
            " or repeat less",
        )
    return None


def _shown_tag(tag: str) -> str:
    """A tag as it is written: ``!!binary``, ``!custom``."""
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


def _index(node: yaml.Node, path: DocPath, source: Source, unreadable: list[Problem]) -> None:
    """Record the line of every path, each repeated key, and each scalar that would not become
    the value its tag says (into ``unreadable``). Each node is visited once."""
    source.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        problem = _unreadable_scalar(node)
        if problem is not None:
            unreadable.append(Problem(path, problem, node.start_mark.line + 1))
    elif isinstance(node, yaml.MappingNode):
        keys = [str(k.value) if isinstance(k, yaml.ScalarNode) else "?" for k, _ in node.value]
        # The last of a repeated key is what the document means (YAML keeps it): only its
        # lines count, so only it is indexed.
        last = {key: position for position, key in enumerate(keys)}
        first: dict[str, int] = {}
        for position, (key_node, value_node) in enumerate(node.value):
            key = keys[position]
            line = key_node.start_mark.line + 1
            if key in first:
                source.problems.append(
                    Problem(
                        (*path, key),
                        f"`{key}` appears twice in this mapping (first on line {first[key]});"
                        " keep one",
                        line,
                    )
                )
            first.setdefault(key, line)
            if isinstance(key_node, yaml.ScalarNode):
                problem = _unreadable_scalar(key_node)
                if problem is not None:
                    unreadable.append(Problem(path, f"a key: {problem}", line))
            inner_path = (*path, key)
            if last[key] == position:
                _index(value_node, inner_path, source, unreadable)
                source.lines[inner_path] = line
            else:  # still made into a value, so still checked; its lines are not kept
                earlier = Source(None)
                _index(value_node, inner_path, earlier, unreadable)
                source.problems += earlier.problems
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*path, index), source, unreadable)


def _unreadable_scalar(node: yaml.ScalarNode) -> str | None:
    """Why a number or true/false would not become one (too many digits, or a ``!!int``,
    ``!!float`` or ``!!bool`` tag on other text); ``None`` if it would."""
    shape = _SCALARS.get(node.tag)
    if shape is None:
        return None
    value = str(node.value)
    kind = {"int": "an integer", "float": "a decimal number", "bool": "true or false"}[
        node.tag.removeprefix(_YAML)
    ]
    digits = len(value.lstrip("+-"))
    if node.tag != _YAML + "bool" and digits > MAX_NUMBER_DIGITS:
        return (
            f"a number with {digits:,} digits is too large: the API's numbers have at most"
            f" 19 digits, and a document's at most {MAX_NUMBER_DIGITS}"
        )
    if not shape.fullmatch(value):
        shown = repr(value) if len(value) <= 40 else f"text of {len(value):,} characters"
        return f"`{_shown_tag(node.tag)}` says {kind}, but the value is {shown}: remove the tag"
    return None


@dataclass
class Substituted:
    """The document with config values in; the paths whose value came from a secret, and
    those whose value is not known here (not set, or unreadable), whose field checks are
    moot; the secret values themselves, to keep them out of every message."""

    data: Any
    secret_paths: list[DocPath] = field(default_factory=list)
    unknown_paths: list[DocPath] = field(default_factory=list)
    secret_values: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


def substitute(data: Any, lookup: ConfigLookup, project: str) -> Substituted:
    """Replace ``${config:namespace:key}`` (or ``${config:key}`` for the project's own
    namespace) in every text value; ``$${`` is a literal ``${``. A value that is one
    reference and whose config is structured (JSON) becomes that structure."""
    result = Substituted(None)
    result.data = _substitute(data, (), lookup, project, result)
    return result


def _substitute(
    value: Any, path: DocPath, lookup: ConfigLookup, project: str, result: Substituted
) -> Any:
    if isinstance(value, Mapping):
        return {k: _substitute(v, (*path, k), lookup, project, result) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, (*path, i), lookup, project, result) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    secret = unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal secret, unknown
        text = match.group(0)
        if text == "$${":
            return "${"
        key = match.group(1)
        if key is None:
            result.problems.append(
                Problem(
                    path,
                    f"`{text}` is not a config reference: write `${{config:namespace:key}}`,"
                    " or `$${` for a literal `${`",
                )
            )
            unknown = True
            return text
        full = qualified(key, project)
        found, is_secret = lookup(full)
        if found is None:
            result.problems.append(
                Problem(
                    path,
                    f"`${{config:{full}}}` is not set for this stack: `pulumi config set"
                    f" {full} <value>`, with `--secret` for a secret (ampeco-iac offline:"
                    f" `-c {full}=<value>`, or `--secret-env {full}=VARIABLE` for a secret)",
                )
            )
            unknown = True
            return text
        if found == UNREADABLE:
            unknown = True
            return text
        if is_secret:
            secret = True
            result.secret_values.add(found)
        return found

    whole = _DOLLAR.fullmatch(value)
    text = _DOLLAR.sub(replace, value)
    if secret:
        result.secret_paths.append(path)
    if unknown:
        result.unknown_paths.append(path)
        return text
    if whole is not None and whole.group(1) is not None:
        try:
            structured = json.loads(text)
        except ValueError:
            return text
        if isinstance(structured, dict | list):
            return structured
    return text
