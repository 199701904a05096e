"""The container image and Lambda package recipes: read, executed where this machine allows."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import shlex
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
import requests

from tests.support.processes import wait_until_answering

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "infra" / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
IGNORE = DOCKER / "Dockerfile.dockerignore"
GUNICORN_CONF = DOCKER / "gunicorn.conf.py"
BUILD_SCRIPT = ROOT / "scripts" / "build_lambda_package.py"


def load_module(path: Path, *, name: str | None = None) -> ModuleType:
    name = name or f"_infra_{path.stem.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, rest = stripped.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def ignored(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes."""
    verdict = False
    for raw in IGNORE.read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        candidates = [path] + [
            str(Path(*Path(path).parts[:n])) for n in range(1, len(path.split("/")))
        ]
        hit = any(
            fnmatch.fnmatch(c, pattern) or fnmatch.fnmatch(c, pattern.replace("**/", ""))
            for c in candidates
        )
        if hit:
            verdict = not negate
    return verdict


def test_final_image_runs_as_a_non_root_user():
    users = [args for keyword, args in final_stage() if keyword == "USER"]
    assert users, "the final stage never leaves root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root uid lets orchestrators verify it"


def test_health_check_calls_the_health_endpoint():
    checks = [args for keyword, args in final_stage() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/healthz" in checks[0]
    assert "--timeout" in checks[0] and "--start-period" in checks[0]


def test_serves_the_app_factory_with_gunicorn_and_the_config():
    command = json.loads([args for keyword, args in final_stage() if keyword == "CMD"][-1])
    assert command[0] == "gunicorn"
    assert command[-1] == "skill.web:create_app()"
    config = command[command.index("--config") + 1]
    copies = [shlex.split(args) for keyword, args in final_stage() if keyword == "COPY"]
    assert ["infra/docker/gunicorn.conf.py", config] in copies


def test_everything_the_build_copies_is_in_the_context():
    sources = []
    for keyword, args in instructions():
        if keyword == "COPY" and not args.startswith("--from"):
            sources.extend(shlex.split(args)[:-1])
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not ignored(source), f"{source} is excluded from the build context"


def test_the_context_leaves_out_local_state_and_tooling():
    for path in (".venv", "node_modules", ".git", "var", "tests", "skill/__pycache__", "x.db"):
        assert ignored(path), path


def context_files() -> list[Path]:
    """The files `docker build` would send, walking only directories the ignore file admits."""
    reincluded = [
        line.strip().lstrip("!").rstrip("/")
        for line in IGNORE.read_text().splitlines()
        if line.strip().startswith("!")
    ]
    files = []
    for directory, subdirs, names in os.walk(ROOT):
        relative = Path(directory).relative_to(ROOT)
        subdirs[:] = [
            d
            for d in subdirs
            if not ignored((relative / d).as_posix())
            or any(r.startswith(f"{(relative / d).as_posix()}/") for r in reincluded)
        ]
        for name in names:
            if not ignored((relative / name).as_posix()):
                files.append(Path(directory) / name)
    return files


def test_build_context_is_small():
    files = context_files()
    assert any(p.name == "pyproject.toml" for p in files)
    assert any(p.parent == ROOT / "nlu" / "model" for p in files), "the trained parser is missing"
    assert not any(".venv" in p.parts or "tests" in p.parts for p in files)
    assert sum(p.stat().st_size for p in files) < 50 * 1024 * 1024


def load_gunicorn_config(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_module(GUNICORN_CONF, name="_infra_gunicorn_conf")


def test_gunicorn_config_reads_the_environment(monkeypatch):
    conf = load_gunicorn_config(monkeypatch, PORT="9123", WEB_CONCURRENCY="3")
    assert conf.bind == "0.0.0.0:9123"
    assert conf.workers == 3
    assert conf.preload_app is False  # SQLite connections must not cross a fork


def test_gunicorn_master_prepares_shared_files_once(monkeypatch, tmp_path):
    conf = load_gunicorn_config(monkeypatch, AMBIENT_SHOP_DATA_DIR=str(tmp_path / "data"))
    monkeypatch.delenv("AMBIENT_SHOP_CATALOG", raising=False)
    monkeypatch.delenv("AMBIENT_SHOP_SECRET_KEY", raising=False)
    logged: list[str] = []
    server = SimpleNamespace(log=SimpleNamespace(info=lambda msg, *a: logged.append(msg % a)))
    conf.on_starting(server)
    data = tmp_path / "data"
    assert (data / "secret.key").is_file()
    assert list(data.glob("demo-catalog-*.db")), sorted(p.name for p in data.iterdir())
    assert logged


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_the_app_with_the_image_config(tmp_path):
    port = free_port()
    env = os.environ | {
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "AMBIENT_SHOP_DATA_DIR": str(tmp_path / "data"),
        "AMBIENT_SHOP_SKILL_ID": "amzn1.ask.skill.00000000-0000-0000-0000-000000000000",
        "HOME": str(tmp_path),
    }
    for name in ("AMBIENT_SHOP_CATALOG", "AMBIENT_SHOP_STATE", "AMBIENT_SHOP_DEV_UNVERIFIED"):
        env.pop(name, None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--config", str(GUNICORN_CONF), "skill.web:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/healthz", process, timeout_s=120)
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30)
        assert health.status_code == 200
        body = health.json()
        assert (
            body["status"] == "ok" and body["verification"] is True and body["orders"] == "demo.v1"
        )
        assert body["simulator"] is False, "the image never serves the simulator by default"
        assert requests.get(f"http://127.0.0.1:{port}/simulator", timeout=10).status_code == 404
        unsigned = requests.post(f"http://127.0.0.1:{port}/alexa", json={}, timeout=10)
        assert unsigned.status_code == 400
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "Booting worker" in output


@pytest.fixture(scope="module")
def build_script() -> ModuleType:
    return load_module(BUILD_SCRIPT)


def make_tree(root: Path) -> None:
    files = {
        "skill/alexa/lambda_handler.py": b"def handler(e, c): return {}\n",
        "skill/web.py": b"",
        "skill/tests/keep.py": b"first-party tests stay",
        "lambda_web.py": b"",
        "spacy/__init__.py": b"",
        "spacy/tests/test_big.py": b"x" * 5000,
        "spacy/__pycache__/x.cpython-312.pyc": b"x" * 700,
        "numpy/core/tests/data.bin": b"x" * 300,
        "bin/flask": b"#!/usr/bin/python\n",
        "spacy/lexeme.pyc": b"x" * 11,
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_strip_removes_dependency_tests_caches_and_scripts(build_script, tmp_path):
    make_tree(tmp_path)
    saved = build_script.strip(tmp_path)
    assert saved == 5000 + 700 + 300 + len(b"#!/usr/bin/python\n") + 11
    assert not (tmp_path / "spacy" / "tests").exists()
    assert not (tmp_path / "bin").exists()
    assert (tmp_path / "skill" / "tests" / "keep.py").exists()
    build_script.check_layout(tmp_path)


def test_layout_check_names_what_is_missing(build_script, tmp_path):
    make_tree(tmp_path)
    (tmp_path / "lambda_web.py").unlink()
    with pytest.raises(SystemExit, match="lambda_web.py"):
        build_script.check_layout(tmp_path)


def test_zip_is_reproducible_and_complete(build_script, tmp_path):
    tree = tmp_path / "tree"
    make_tree(tree)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    build_script.write_zip(tree, first)
    os.utime(tree / "skill" / "web.py", (1, 1))
    build_script.write_zip(tree, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        assert "skill/alexa/lambda_handler.py" in zf.namelist()
        assert zf.read("spacy/tests/test_big.py") == b"x" * 5000


def test_report_judges_the_lambda_limit(build_script, tmp_path):
    report = build_script.PackageReport(
        directory=tmp_path,
        unzipped_bytes=build_script.LAMBDA_UNZIPPED_LIMIT + 1,
        zip_path=None,
        zipped_bytes=None,
        largest=(("spacy", 10),),
    )
    assert report.within_limit is False
    assert report.as_dict()["largest"] == [{"name": "spacy", "bytes": 10}]
