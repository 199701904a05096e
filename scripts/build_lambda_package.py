"""Build the AWS Lambda code package and report its size against Lambda's 250 MB unzipped limit.

    python scripts/build_lambda_package.py                    # python3.12 on Amazon Linux 2023
    python scripts/build_lambda_package.py --python-version 3.11 --smoke   # and invoke it locally

The project wheel and its runtime dependencies (with the `aws` extra) are installed for Lambda's
platform with `pip install --target --platform`, so the result never depends on this machine's
glibc. The directory it writes is the `CodeUri` of infra/sam/template.yaml.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "build" / "lambda"
DEFAULT_PYTHON_VERSION = "3.12"
WEB_HANDLER = ROOT / "infra" / "sam" / "lambda_web.py"
LAMBDA_UNZIPPED_LIMIT = 262_144_000  # 250 MB as AWS counts it
# python3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34); python3.11 on Amazon Linux 2 (2.26).
PLATFORMS = {
    "3.11": ("manylinux2014_x86_64", "manylinux_2_24_x86_64", "manylinux_2_26_x86_64"),
    "3.12": ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64"),
    "3.13": ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64"),
}
# Dependency test suites and build-time leftovers that Lambda never imports.
STRIP_DIR_NAMES = frozenset({"__pycache__", "tests", "test"})
STRIP_TOP_LEVEL = frozenset({"bin"})
KEEP_TEST_DIRS_UNDER = frozenset({"nlu", "catalog_adapter", "skill"})
REQUIRED_FILES = ("skill/alexa/lambda_handler.py", "skill/web.py", "lambda_web.py")


@dataclass(frozen=True, slots=True)
class PackageReport:
    """What was built and how big it is, in bytes."""

    directory: Path
    unzipped_bytes: int
    zip_path: Path | None
    zipped_bytes: int | None
    largest: tuple[tuple[str, int], ...]

    @property
    def within_limit(self) -> bool:
        return self.unzipped_bytes <= LAMBDA_UNZIPPED_LIMIT

    def as_dict(self) -> dict[str, object]:
        return {
            "directory": str(self.directory),
            "unzipped_bytes": self.unzipped_bytes,
            "unzipped_mb": round(self.unzipped_bytes / 1_048_576, 1),
            "limit_bytes": LAMBDA_UNZIPPED_LIMIT,
            "within_limit": self.within_limit,
            "zip": str(self.zip_path) if self.zip_path else None,
            "zipped_bytes": self.zipped_bytes,
            "largest": [{"name": name, "bytes": size} for name, size in self.largest],
        }


def _run(command: Sequence[str]) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)


SOURCE_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "build",
    "dist",
    "var",
    "tests",
    "__pycache__",
    "*.egg-info",
    "*.pyc",
    ".pytest_cache",
    ".ruff_cache",
)


def build_project_wheel(wheel_dir: Path) -> Path:
    """The project as a wheel, built from a clean copy so no stale build output slips in."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "src"
        shutil.copytree(ROOT, source, ignore=SOURCE_IGNORE)
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--wheel-dir",
                str(wheel_dir),
                str(source),
            ]
        )
    wheels = sorted(wheel_dir.glob("ambient_shop-*.whl"))
    if not wheels:
        raise SystemExit(f"no ambient_shop wheel was built in {wheel_dir}")
    return wheels[-1]


def install_for_lambda(wheel: Path, out: Path, *, python_version: str) -> None:
    """Install the wheel and its dependencies as Lambda's interpreter and platform need them."""
    if python_version not in PLATFORMS:
        raise SystemExit(f"unsupported --python-version {python_version} (use one of {PLATFORMS})")
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--target",
        str(out),
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        "--no-compile",
        # The target is self-contained: conflicts with this interpreter's packages are noise.
        "--no-warn-conflicts",
    ]
    for platform in PLATFORMS[python_version]:
        command += ["--platform", platform]
    _run([*command, f"{wheel}[aws]"])


def strip(out: Path) -> int:
    """Remove what Lambda never imports; returns the bytes saved."""
    saved = 0
    for name in STRIP_TOP_LEVEL:
        target = out / name
        if target.is_dir():
            saved += tree_size(target)
            shutil.rmtree(target)
    for directory in sorted(out.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if not directory.is_dir() or directory.name not in STRIP_DIR_NAMES:
            continue
        relative = directory.relative_to(out)
        if relative.parts[0] in KEEP_TEST_DIRS_UNDER or not directory.exists():
            continue
        saved += tree_size(directory)
        shutil.rmtree(directory)
    for compiled in out.rglob("*.pyc"):
        saved += compiled.stat().st_size
        compiled.unlink()
    return saved


def strip_debug_symbols(out: Path) -> int:
    """Drop debug sections from extension modules (wheels ship them); returns the bytes saved.

    Libraries vendored by auditwheel (`*.libs/`) are left alone: they were rewritten by patchelf,
    and stripping such files can corrupt them.
    """
    tool = shutil.which("strip")
    if tool is None:
        print("strip (binutils) not found: extension modules keep their debug symbols")
        return 0
    targets = [
        path
        for path in out.rglob("*.so*")
        if path.is_file()
        and not path.is_symlink()
        and not any(part.endswith(".libs") for part in path.relative_to(out).parts)
    ]
    before = sum(path.stat().st_size for path in targets)
    for start in range(0, len(targets), 50):
        subprocess.run([tool, "--strip-debug", *map(str, targets[start : start + 50])], check=True)
    return before - sum(path.stat().st_size for path in targets)


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def largest_entries(out: Path, *, count: int = 12) -> tuple[tuple[str, int], ...]:
    """Top-level packages by size, the place to look when the package grows."""
    sizes: dict[str, int] = {}
    for entry in out.iterdir():
        if entry.name.endswith(".dist-info"):
            continue
        sizes[entry.name] = tree_size(entry) if entry.is_dir() else entry.stat().st_size
    ranked = sorted(sizes.items(), key=lambda item: item[1], reverse=True)
    return tuple(ranked[:count])


def _files(out: Path) -> Iterator[Path]:
    yield from sorted(p for p in out.rglob("*") if p.is_file())


def write_zip(out: Path, zip_path: Path) -> int:
    """A reproducible zip (sorted entries, fixed times) so unchanged code uploads unchanged."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in _files(out):
            info = zipfile.ZipInfo(
                path.relative_to(out).as_posix(), date_time=(1980, 1, 1, 0, 0, 0)
            )
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return zip_path.stat().st_size


def check_layout(out: Path) -> None:
    missing = [name for name in REQUIRED_FILES if not (out / name).is_file()]
    if missing:
        raise SystemExit(f"the package lacks {', '.join(missing)}")


_SMOKE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from skill.alexa.lambda_handler import handler
event = json.loads(sys.argv[2])
reply = handler(event, None)
print(json.dumps(reply["response"]["outputSpeech"]))
"""


def smoke_test(out: Path, *, python_version: str) -> str:
    """Invoke the packaged handler with only the package and the standard library importable."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running != python_version:
        return f"skipped: this interpreter is {running}, the package targets {python_version}"
    event = {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.package-smoke",
            "application": {"applicationId": "amzn1.ask.skill.package-smoke"},
            "user": {"userId": "amzn1.ask.account.package-smoke"},
        },
        "context": {
            "System": {
                "application": {"applicationId": "amzn1.ask.skill.package-smoke"},
                "user": {"userId": "amzn1.ask.account.package-smoke"},
                "device": {"deviceId": "amzn1.ask.device.smoke", "supportedInterfaces": {}},
            }
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.package-smoke",
            "timestamp": "2025-01-01T00:00:00Z",
            "locale": "en-US",
        },
    }
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": data_dir,
            "AMBIENT_SHOP_DATA_DIR": data_dir,
            "AMBIENT_SHOP_SKILL_ID": "amzn1.ask.skill.package-smoke",
        }
        # -I -S: no site-packages, no user paths; only the package and the standard library.
        completed = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _SMOKE, str(out), json.dumps(event)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    if completed.returncode != 0:
        raise SystemExit(f"smoke invocation failed:\n{completed.stderr[-4000:]}")
    return completed.stdout.strip().splitlines()[-1]


def build(
    *,
    out: Path,
    python_version: str,
    zip_path: Path | None,
    keep_tests: bool,
    strip_binaries: bool = True,
) -> PackageReport:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as wheel_dir:
        wheel = build_project_wheel(Path(wheel_dir))
        install_for_lambda(wheel, out, python_version=python_version)
    shutil.copy2(WEB_HANDLER, out / WEB_HANDLER.name)
    if not keep_tests:
        saved = strip(out)
        print(f"stripped {saved / 1_048_576:.1f} MB of tests, caches and scripts")
    if strip_binaries:
        saved = strip_debug_symbols(out)
        print(f"stripped {saved / 1_048_576:.1f} MB of debug symbols from extension modules")
    check_layout(out)
    zipped = write_zip(out, zip_path) if zip_path else None
    return PackageReport(
        directory=out,
        unzipped_bytes=tree_size(out),
        zip_path=zip_path,
        zipped_bytes=zipped,
        largest=largest_entries(out),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="package directory")
    parser.add_argument(
        "--python-version", default=DEFAULT_PYTHON_VERSION, choices=sorted(PLATFORMS)
    )
    parser.add_argument("--zip", type=Path, default=None, help="also write this zip file")
    parser.add_argument("--keep-tests", action="store_true", help="keep dependency test suites")
    parser.add_argument(
        "--smoke", action="store_true", help="invoke the packaged handler (same Python only)"
    )
    parser.add_argument(
        "--keep-debug-symbols", action="store_true", help="do not strip extension modules"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = build(
        out=args.out.resolve(),
        python_version=args.python_version,
        zip_path=args.zip.resolve() if args.zip else None,
        keep_tests=args.keep_tests,
        strip_binaries=not args.keep_debug_symbols,
    )
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(f"package: {report.directory}")
        print(
            f"unzipped: {report.unzipped_bytes / 1_048_576:.1f} MB "
            f"({report.unzipped_bytes:,} bytes; Lambda limit {LAMBDA_UNZIPPED_LIMIT:,})"
        )
        if report.zipped_bytes is not None:
            print(f"zipped:   {report.zipped_bytes / 1_048_576:.1f} MB ({report.zip_path})")
        for name, size in report.largest:
            print(f"  {size / 1_048_576:7.1f} MB  {name}")
    if args.smoke:
        print(f"smoke: {smoke_test(report.directory, python_version=args.python_version)}")
    if not report.within_limit:
        print("the package is over Lambda's unzipped limit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
