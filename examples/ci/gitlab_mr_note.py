"""Post a merge request's Pulumi preview as a note on it (GitLab CI), updating the earlier one.

Run by the `preview-note` job of gitlab-ci.yml with the files the preview and guard jobs wrote:

    python gitlab_mr_note.py --stack prod preview.txt guard.txt

The job token cannot write notes, so the note is posted with a project access token (role
Reporter, scope api) from PREVIEW_NOTE_TOKEN; without one the script says so and exits 0 (the
preview stays in the merge request's exposed artifact). One note per merge request and stack:
it starts with a marker line, and a later pipeline replaces its text instead of adding a note.
Only the standard library is used, so the job needs no installation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

TOKEN_ENV = "PREVIEW_NOTE_TOKEN"
#: GitLab refuses notes over 1,000,000 characters; the rest stays in the job's artifact.
MAX_TEXT = 900_000


def marker(stack: str) -> str:
    """The first line of this stack's note: how a later run finds it (invisible when rendered)."""
    return f"<!-- pulumi-ampeco preview: {stack} -->"


def note_body(stack: str, files: Sequence[Path], env: Mapping[str, str]) -> str:
    """The note: a title, then each file in a collapsed block of its own."""
    commit = env.get("CI_COMMIT_SHORT_SHA", "")
    pipeline = env.get("CI_PIPELINE_URL", "")
    head = f"**Pulumi preview of `{stack}`**"
    if commit:
        head += f" at {commit}"
    if pipeline:
        head += f" ([pipeline]({pipeline}))"
    parts = [marker(stack), head]
    budget = MAX_TEXT
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = "(not written: the job that makes it did not finish)"
        if len(text) > budget:
            text = text[:budget] + "\n… (cut here; the whole file is in the job's artifacts)\n"
        budget = max(budget - len(text), 0)
        fence = "`" * max(3, _longest_backtick_run(text) + 1)
        parts.append(
            f"<details><summary>{path.name}</summary>\n\n{fence}text\n{text.rstrip()}\n{fence}\n\n"
            "</details>"
        )
    return "\n\n".join(parts) + "\n"


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest


def _request(method: str, url: str, token: str, body: dict[str, str] | None = None) -> Any:
    data = urllib.parse.urlencode(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("PRIVATE-TOKEN", token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8") or "null")


def post(stack: str, body: str, env: Mapping[str, str], token: str) -> str:
    """Replace the text of this stack's note, or add the note; says which."""
    notes = (
        f"{env['CI_API_V4_URL']}/projects/{env['CI_PROJECT_ID']}"
        f"/merge_requests/{env['CI_MERGE_REQUEST_IID']}/notes"
    )
    page = 1
    while True:
        found = _request("GET", f"{notes}?per_page=100&page={page}&sort=asc", token)
        for note in found or []:
            if str(note.get("body", "")).startswith(marker(stack)):
                _request("PUT", f"{notes}/{note['id']}", token, {"body": body})
                return f"updated note {note['id']}"
        if not found or len(found) < 100:
            break
        page += 1
    created = _request("POST", notes, token, {"body": body})
    return f"added note {created['id']}"


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stack", required=True, help="the stack the preview is of")
    parser.add_argument("files", nargs="+", type=Path, help="the files to show, in order")
    args = parser.parse_args(argv)
    token = env.get(TOKEN_ENV, "")
    if not token:
        print(f"{TOKEN_ENV} is not set: no note; the preview is in the exposed artifact.")
        return 0
    missing = [
        name
        for name in ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID")
        if not env.get(name)
    ]
    if missing:
        print(
            f"error: not in a merge request pipeline ({', '.join(missing)} unset)", file=sys.stderr
        )
        return 2
    try:
        print(post(args.stack, note_body(args.stack, args.files, env), env, token))
    except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
        print(f"error: the note could not be posted: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
