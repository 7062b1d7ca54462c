"""What the tests of the CI examples share: conditions evaluated, scripts run, a git remote.

GitHub's ``if:`` and GitLab's ``rules: if:`` are small boolean languages over the run's
context: ``==``, ``!=``, ``&&``, ``||``, ``!``, parentheses, quoted strings and names
(``github.event_name``, ``inputs.record``; ``$VAR`` on GitLab). :func:`evaluate` reads exactly
that much, so a test can ask which jobs an event runs; a condition using anything else fails
the test instead of being guessed at. :func:`run_script` runs a step's or job's shell as the
runner would, with ``ampeco-iac`` from the virtualenv running the tests, and
:func:`reference_remote` makes the git remote a drift report's reference branch lives on.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: How the CI files call the project's command line (from the virtualenv their install makes).
AMPECO_IAC = ".venv/bin/ampeco-iac"

_TOKEN = re.compile(
    r"\s*(?:(?P<op>\(|\)|&&|\|\||==|!=|!)|'(?P<single>[^']*)'|\"(?P<double>[^\"]*)\""
    r"|(?P<name>\$?[A-Za-z_][\w.-]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match and match.end() > position, f"cannot read {text[position:]!r} in {text!r}"
        position = match.end()
        if match.group("op"):
            found.append(("op", match.group("op")))
        elif match.group("single") is not None or match.group("double") is not None:
            found.append(("str", match.group("single") or match.group("double") or ""))
        else:
            found.append(("name", match.group("name")))
    return found


def evaluate(condition: str, lookup: Callable[[str], Any]) -> bool:
    """Whether ``condition`` holds; ``lookup`` gives a name's value (``None`` when unset)."""
    tokens = _tokens(condition)
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take(expected: str | None = None) -> tuple[str, str]:
        nonlocal position
        token = peek()
        assert token is not None, f"{condition!r} ends too early"
        assert expected is None or token == ("op", expected), (
            f"expected {expected} in {condition!r}"
        )
        position += 1
        return token

    def value(token: tuple[str, str]) -> Any:
        kind, text = token
        if kind == "str":
            return text
        assert kind == "name", f"unexpected {text!r} in {condition!r}"
        if text in ("true", "false"):
            return text == "true"
        return lookup(text)

    def primary() -> Any:
        token = take()
        if token == ("op", "("):
            result = either()
            take(")")
            return result
        left = value(token)
        following = peek()
        if following in (("op", "=="), ("op", "!=")):
            take()
            right = value(take())
            return (left == right) == (following == ("op", "=="))
        return left

    def unary() -> Any:
        if peek() == ("op", "!"):
            take()
            return not truthy(unary())
        return primary()

    def both() -> Any:
        result = unary()
        while peek() == ("op", "&&"):
            take()
            right = unary()
            result = truthy(result) and truthy(right)
        return result

    def either() -> Any:
        result = both()
        while peek() == ("op", "||"):
            take()
            right = both()
            result = truthy(result) or truthy(right)
        return result

    result = either()
    assert position == len(tokens), f"cannot read the rest of {condition!r}"
    return truthy(result)


def truthy(value: Any) -> bool:
    return value not in (None, "", False, 0)


def run_script(
    script: str, env: dict[str, str], cwd: Path, *, shell: str = "bash -e"
) -> subprocess.CompletedProcess[str]:
    """``script`` run by ``shell`` in ``cwd`` with the process's environment plus ``env``;
    ``ampeco-iac`` (the name or the virtualenv's path) is the one of the tests' virtualenv."""
    command = script.replace(AMPECO_IAC, f"{sys.executable} -m pulumi_ampeco.cli")
    command = re.sub(r"(?m)^ampeco-iac ", f"{sys.executable} -m pulumi_ampeco.cli ", command)
    return subprocess.run(
        [*shell.split(), "-c", command],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def git(cwd: Path, *args: str) -> str:
    """``git *args`` in ``cwd``, which must succeed; its output."""
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def reference_remote(root: Path, branch: str, path: str, text: str) -> Path:
    """A bare repository (returned) with ``main``, and ``branch`` holding ``path`` with
    ``text`` (the reference export); ``root / "work"`` is a clone of ``main``, where a job
    runs."""
    remote = root / "remote.git"
    git(root, "init", "-q", "--bare", str(remote))
    seed = root / "seed"
    git(root, "clone", "-q", str(remote), str(seed))
    identity = ("-c", "user.name=test", "-c", "user.email=test@invalid")
    (seed / "README").write_text("the tenant's program\n")
    git(seed, "add", "README")
    git(seed, *identity, "commit", "-q", "-m", "main")
    git(seed, "push", "-q", "origin", "HEAD:main")
    git(seed, "switch", "-q", "--orphan", branch)
    (seed / path).parent.mkdir(parents=True, exist_ok=True)
    (seed / path).write_text(text)
    git(seed, "add", path)
    git(seed, *identity, "commit", "-q", "-m", "reference export")
    git(seed, "push", "-q", "origin", f"HEAD:{branch}")
    git(root, "clone", "-q", "--branch", "main", str(remote), str(root / "work"))
    return remote
