"""Every ```python block of docs/sdk.md and of the client's README runs, in order and as
written, against the real app on a loopback port: on an empty graph and on the demo data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver

from lineage_catalog.localneo4j import free_port
from lineage_catalog.settings import Settings
from tests.factories import load_demo_catalog
from tests.live_server import serve, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
DOCS = {"docs/sdk.md": ROOT / "docs/sdk.md", "client README": ROOT / "clients/python/README.md"}
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """Each ```python block of a Markdown file with the line it starts on."""
    text = path.read_text()
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


@pytest.fixture(scope="module")
def server_url(settings: Settings, driver: Driver) -> Iterator[str]:
    with serve(settings, free_port()) as url:
        wait_healthy(url)
        yield url


def test_the_docs_have_python_examples() -> None:
    assert len(python_blocks(DOCS["docs/sdk.md"])) >= 5
    assert len(python_blocks(DOCS["client README"])) >= 1
    assert "sha256:…" not in DOCS["docs/sdk.md"].read_text()


@pytest.mark.parametrize("graph", ["empty graph", "demo data"])
@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_python_block_runs_against_a_real_catalog(
    doc: str,
    graph: str,
    server_url: str,
    admin_token: str,
    clean_graph: Driver,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if graph == "demo data":
        load_demo_catalog(settings)
    # What a reader sets before running the examples: the catalog's address and a token.
    monkeypatch.setenv("LINEAGE_CATALOG_URL", server_url)
    monkeypatch.setenv("LINEAGE_CATALOG_TOKEN", admin_token)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for line, code in python_blocks(DOCS[doc]):
        # The file name and line make a failure's traceback point into the Markdown.
        exec(compile("\n" * (line - 1) + code, str(DOCS[doc]), "exec"), namespace)
