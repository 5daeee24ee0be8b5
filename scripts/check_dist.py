"""Build the wheel and the sdist and check what they carry (``make test`` runs this).

Checks: the version is ``pyiscsi.__version__``; the metadata has a license expression and
file, classifiers, project URLs, the README as description and Python >= 3.11; the wheel has
every module, ``py.typed`` and the LICENSE and no tests; the sdist has the LICENSE, README,
pyproject.toml and sources; the wheel installed on its own imports and reports its version.
Exits 1 with one line per problem.
"""

from __future__ import annotations

import ast
import email.parser
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "pyiscsi"


def source_version() -> str:
    """``__version__`` of src/pyiscsi/__init__.py, read without importing it."""
    for node in ast.parse((PACKAGE / "__init__.py").read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, str)
            return value
    raise SystemExit("check_dist: no __version__ in src/pyiscsi/__init__.py")


def check(out: Path) -> list[str]:
    problems: list[str] = []
    version = source_version()
    wheels = list(out.glob("*.whl"))
    sdists = list(out.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [f"expected one wheel and one sdist, got {sorted(p.name for p in out.iterdir())}"]
    wheel, sdist = wheels[0], sdists[0]
    if f"-{version}-" not in wheel.name or not sdist.name.endswith(f"-{version}.tar.gz"):
        problems.append(f"file names {wheel.name}, {sdist.name} lack version {version}")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        if meta_name is None:
            return [*problems, "the wheel has no METADATA"]
        meta = email.parser.Parser().parsestr(z.read(meta_name).decode())
    expected = {
        "Name": "pyiscsi",
        "Version": version,
        "License-Expression": "MIT",
        "License-File": "LICENSE",
        "Requires-Python": ">=3.11",
    }
    for key, value in expected.items():
        if meta.get(key) != value:
            problems.append(f"METADATA {key}: {meta.get(key)!r}, expected {value!r}")
    if len(meta.get_all("Classifier") or []) < 5:
        problems.append("METADATA has fewer than 5 classifiers")
    urls = meta.get_all("Project-URL") or []
    if not any(u.startswith("Source, ") for u in urls):
        problems.append(f"METADATA has no Source project URL: {urls}")
    if "pyiscsi.open" not in (meta.get_payload() or ""):
        problems.append("METADATA description is not the README")
    modules = {
        f"pyiscsi/{p.relative_to(PACKAGE).as_posix()}"
        for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    for name in sorted(modules - names):
        problems.append(f"the wheel lacks {name}")
    for name in ("pyiscsi/py.typed", f"pyiscsi-{version}.dist-info/licenses/LICENSE"):
        if name not in names:
            problems.append(f"the wheel lacks {name}")
    if any(n.startswith("tests/") for n in names):
        problems.append("the wheel carries tests/")
    with tarfile.open(sdist) as t:
        members = {m.name.split("/", 1)[1] for m in t.getmembers() if "/" in m.name}
    for name in ("LICENSE", "README.md", "pyproject.toml", "src/pyiscsi/__init__.py"):
        if name not in members:
            problems.append(f"the sdist lacks {name}")
    site = out / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), wheel],
        check=True,
    )
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pyiscsi; "
        "assert pyiscsi.__file__.startswith(sys.argv[1]), pyiscsi.__file__; "
        "print(pyiscsi.__version__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(site)], capture_output=True, text=True, check=False
    )
    if done.returncode or done.stdout.strip() != version:
        problems.append(f"the installed wheel reports {done.stdout.strip()!r}: {done.stderr}")
    return problems


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="pyiscsi-dist-") as tmp:
        out = Path(tmp)
        build = subprocess.run(
            [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
            capture_output=True,
            text=True,
            check=False,
        )
        if build.returncode:
            print(build.stdout[-2000:], build.stderr[-2000:], sep="\n", file=sys.stderr)
            print("check_dist: the build failed", file=sys.stderr)
            return 1
        problems = check(out)
    for problem in problems:
        print(f"check_dist: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_dist: wheel and sdist of pyiscsi {source_version()} are complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
