"""The tenant program of ``tenant_scale.py`` through the real Pulumi CLI, next to a floor.

For each size: a simulator process (in-memory tenant, no rate limit), then, with ``pulumi``
(on PATH, or built by ``scripts/pulumi-cli``) and a ``file://`` backend in a temporary
directory, ``up`` from empty, a no-op ``preview`` and ``destroy`` of the same program shape as
``tenant_scale.py``; then the same three operations on as many trivial dynamic resources (a
provider whose create returns an id and does nothing else), which is what the engine, the
language host and the dynamic provider server cost on their own. It prints one table: wall
time and ms per object for ours and for the floor, their ratio, and the API calls ours made.

``python bench/cli_scale.py`` (``--sizes 1000,3000``; about 2 minutes per 1,000 objects).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from sim_throughput import TOKEN  # noqa: E402
from sim_throughput import simulator as sim_process  # noqa: E402
from tenant_scale import FIXED, PER_LOCATION, shape_of  # noqa: E402

OPERATIONS = (
    ("up from empty", ["up", "--yes", "--skip-preview"]),
    ("no-op preview", ["preview"]),
    ("destroy", ["destroy", "--yes", "--skip-preview"]),
)

OURS = """\
import sys

import pulumi

sys.path.insert(0, {bench!r})
from tenant_scale import Shape, program_for

program_for(Shape(locations=int(pulumi.Config("bench").require("locations"))))()
"""

FLOOR_PROVIDER = """\
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Noop(ResourceProvider):
    def create(self, props):
        return CreateResult(props["key"], {"key": props["key"]})


class Thing(Resource):
    def __init__(self, name):
        super().__init__(Noop(), name, {"key": name})
"""

FLOOR = """\
import pulumi

from noop import Thing

for n in range(int(pulumi.Config("bench").require("count"))):
    Thing(f"thing-{n}")
"""


@dataclass
class Row:
    operation: str
    objects: int
    ours: float
    floor: float
    calls: dict[str, int]


def pulumi_cli() -> str:
    found = shutil.which("pulumi")
    if found:
        return found
    built = subprocess.run(
        ["bash", str(REPO / "scripts" / "pulumi-cli")], capture_output=True, text=True, check=True
    )
    return str(Path(built.stdout.strip().splitlines()[-1]) / "pulumi")


class Project:
    """A Pulumi project in ``root`` with its own backend and home, run with ``pulumi``."""

    def __init__(self, executable: str, root: Path, name: str, files: dict[str, str]) -> None:
        self.executable = executable
        self.dir = root / name
        for folder in (self.dir, root / f"{name}-backend", root / f"{name}-home"):
            folder.mkdir(parents=True)
        (self.dir / "Pulumi.yaml").write_text(
            textwrap.dedent(
                f"""\
                name: {name}
                runtime:
                  name: python
                  options:
                    toolchain: pip
                    virtualenv: {json.dumps(sys.prefix)}
                """
            )
        )
        for file, text in files.items():
            (self.dir / file).write_text(text)
        self.env = {
            **os.environ,
            "PATH": os.pathsep.join([str(Path(executable).parent), os.environ["PATH"]]),
            "PULUMI_BACKEND_URL": (root / f"{name}-backend").as_uri(),
            "PULUMI_HOME": str(root / f"{name}-home"),
            "PULUMI_CONFIG_PASSPHRASE": "bench",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PYTHONPATH": os.pathsep.join([str(self.dir), str(REPO)]),
        }

    def __call__(self, *args: str) -> float:
        started = time.monotonic()
        done = subprocess.run(
            [self.executable, *args, "--non-interactive"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"pulumi {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return time.monotonic() - started


def calls(base_url: str) -> dict[str, int]:
    with httpx.Client(base_url=base_url + "/_sim", timeout=30) as admin:
        entries = admin.get("/requests").json()["data"]
        admin.delete("/requests")
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["method"]] = counts.get(entry["method"], 0) + 1
    return counts


def run_size(size: int, executable: str, workdir: Path) -> list[Row]:
    shape = shape_of(size)
    objects = shape.count()
    rows: list[Row] = []
    with sim_process(":memory:", workdir) as server:
        base_url = server.base_url
        ours = Project(
            executable, workdir, f"ours-{size}", {"__main__.py": OURS.format(bench=str(BENCH))}
        )
        floor = Project(
            executable,
            workdir,
            f"floor-{size}",
            {"__main__.py": FLOOR, "noop.py": FLOOR_PROVIDER},
        )
        for project, settings in (
            (ours, {"ampeco:tenantUrl": base_url, "bench:locations": str(shape.locations)}),
            (floor, {"bench:count": str(objects)}),
        ):
            project("stack", "init", "bench")
            for key, value in settings.items():
                project("config", "set", key, value)
        ours("config", "set", "--secret", "ampeco:apiToken", TOKEN)
        calls(base_url)
        for label, args in OPERATIONS:
            ours_s = ours(*args)
            made = calls(base_url)
            floor_s = floor(*args)
            rows.append(Row(label, objects, ours_s, floor_s, made))
            print(
                f"{objects:>8} objects  {label:<15} ours {ours_s:6.1f} s   floor {floor_s:6.1f} s",
                flush=True,
            )
    return rows


def table(rows: list[Row]) -> str:
    head = (
        f"{'operation':<16}{'objects':>8}{'ours s':>9}{'ms/obj':>8}{'floor s':>9}{'ms/obj':>8}"
        f"{'ours/floor':>11}  API calls"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        made = ", ".join(f"{m} {n}" for m, n in sorted(r.calls.items())) or "none"
        lines.append(
            f"{r.operation:<16}{r.objects:>8}{r.ours:>9.1f}{1000 * r.ours / r.objects:>8.1f}"
            f"{r.floor:>9.1f}{1000 * r.floor / r.objects:>8.1f}{r.ours / r.floor:>11.2f}  {made}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=lambda t: [int(s) for s in t.split(",")],
        default=[1000, 3000],
        help=f"objects per run (default 1000,3000; at least {FIXED + PER_LOCATION})",
    )
    args = parser.parse_args()
    executable = pulumi_cli()
    version = subprocess.run(
        [executable, "version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"pulumi {version}, sizes {args.sizes}", flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="cli-scale-") as workdir:
        for size in args.sizes:
            rows += run_size(size, executable, Path(workdir))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
