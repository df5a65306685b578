"""lineage-catalog-client is a distribution of its own: its wheel requires httpx alone
(pyarrow only with the `bulk` extra), and it installs into an empty venv and talks to a real
catalog there, bulk load included, with nothing of the server installed."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pyarrow as pa
import pytest
from neo4j import Driver

from lineage_catalog.localneo4j import free_port
from lineage_catalog.settings import Settings
from tests.live_server import serve, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "clients/python"
UV = ROOT / ".tools/bin/uv"
# httpx and what httpx itself needs; nothing of the server.
HTTPX_AND_ITS_OWN = {"httpx", "httpcore", "h11", "anyio", "idna", "certifi", "typing-extensions"}
SERVER_ONLY = {"neo4j", "strawberry-graphql", "fastapi", "uvicorn", "pyarrow", "pydantic"}


def uv(*args: str, offline_first: bool = True) -> str:
    """Run uv (the project's pinned one); offline from its cache first, online if that fails."""
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"}
    tries = [["--offline"], []] if offline_first else [[]]
    for extra in tries:
        done = subprocess.run(
            [str(UV), *args, *extra], env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode == 0:
            return done.stdout
    raise AssertionError(f"uv {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    uv("build", "--wheel", "--out-dir", str(out), str(CLIENT))
    (built,) = out.glob("lineage_catalog_client-*.whl")
    return built


def test_the_wheel_requires_httpx_alone_and_pyarrow_only_for_bulk(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    requires = metadata.get_all("Requires-Dist") or []
    assert [r for r in requires if "extra ==" not in r] == ["httpx>=0.28"]
    assert [r for r in requires if "extra ==" in r] == ["pyarrow>=18; extra == 'bulk'"]
    assert metadata.get_all("Provides-Extra") == ["bulk"]
    assert metadata["Name"] == "lineage-catalog-client"
    packages = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert packages == {"lineage_catalog_client"}
    assert "lineage_catalog_client/py.typed" in names


@pytest.fixture(scope="module")
def server_url(settings: Settings, driver: Driver) -> Iterator[str]:
    with serve(settings, free_port()) as url:
        wait_healthy(url)
        yield url


USE_IT = """
import sys, lineage_catalog_client as c
with c.CatalogClient() as catalog:
    print(catalog.register_dataset("orders-raw"))
    seen = []
    result = catalog.load("features", sys.argv[1], progress=seen.append)
    print(result.rows, result.loaded, result.rejected, len(seen), seen[-1].rows_total)
    try:
        catalog.register_dataset("bad key")
    except c.BadUserInputError as e:
        print(e.code, e.field)
"""


def test_the_client_installs_into_an_empty_venv_and_works_there(
    wheel: Path,
    tmp_path: Path,
    server_url: str,
    admin_token: str,
    clean_graph: Driver,
) -> None:
    venv = tmp_path / "venv"
    uv("venv", "--quiet", "--python", sys.executable, str(venv))
    python = venv / "bin/python"
    uv("pip", "install", "--quiet", "--python", str(python), str(wheel))
    installed = uv(
        "pip", "list", "--python", str(python), "--format", "freeze", offline_first=False
    )
    names = {line.split("==")[0].lower() for line in installed.split()}
    assert names == HTTPX_AND_ITS_OWN | {"lineage-catalog-client"}
    assert not names & SERVER_ONLY

    # An Arrow IPC stream file, written here; the venv has no pyarrow, so it goes whole.
    rows = tmp_path / "features.arrows"
    table = pa.table({"key": ["f.one", "f.two", "bad key"], "dtype": ["int", "float", "int"]})
    with pa.OSFile(str(rows), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    env = {"PATH": os.environ.get("PATH", ""), "LINEAGE_CATALOG_URL": server_url}
    env["LINEAGE_CATALOG_TOKEN"] = admin_token
    done = subprocess.run(
        [str(python), "-I", "-c", USE_IT, str(rows)],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Dataset:orders-raw",
        "3 2 1 1 3",
        "BAD_USER_INPUT input.key",
    ]
