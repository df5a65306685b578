"""The compliance report as a document: one GraphQL query (so the report is exactly what
the API answers), laid out once as blocks and written as Markdown, HTML or PDF (the HTML
printed by headless Chromium), with a footer that identifies the document: its id, the
SHA-256 of its content, the audit chain's head and whether the chain verified when the
report was made, the catalog's version and who generated it (docs/governance.md)."""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import strawberry

from lineage_catalog.domain.errors import CatalogError, GraphUnavailableError, NotFoundError
from lineage_catalog.services.audit import verify_chain
from lineage_catalog.store import audit

REPORT_QUERY = """
query ComplianceReport($mv: String!) {
  complianceReport(modelVersion: $mv) {
    generatedAt
    model { key name description }
    modelVersion { key version stage artifactUri metrics }
    lineage {
      trainingRun { key runKind startedAt endedAt job { key name } }
      datasetVersions { key contentHash dataset { name } }
      features { key name }
      codeCommits { key author { key name } }
      runs { key runKind status startedAt job { key name } }
      owners { role since inherited owner { __typename ... on Person { key name }
               ... on Team { key name } ... on ServiceAccount { key name } } target { id } }
    }
    classificationsUpstream { classification holder { id } path }
    reproducibility { parameters environment trainingRun { key } codeCommit { key } }
    serving { role trafficShare validFrom deployment { key } }
    importedServing { role validFrom validTo reason changedBy deployment { key } }
    modelCard {
      intendedUse businessGoal stakeholders knownRisks failureModes fairnessEvaluations
      limitations updatedAt updatedBy
      kpis { metric threshold direction value met }
      evaluations { key slice metrics createdAt }
    }
    approvals { key status toStage requestedBy requestedAt requestReason decidedBy
                decidedAt decisionReason }
    monitoring {
      monitors {
        monitor { key targetId type metric column threshold direction severity owner
                  reference }
        observations { observedAt value breached source }
      }
      incidents {
        key title status severity openedAt openedBy automatic closedAt monitor breaches
        about { id }
        history { status at by reason }
        addressedBy { id ... on Run { key runKind startedAt job { key name } } }
        citedBy { action at by reason modelVersion approval deployment }
        fixedBy { id }
      }
    }
    auditTrail { time actor actorKind action target reason }
  }
}
"""


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of the document: a heading, a paragraph, a table or a code block."""

    # "h1", "h2", "h3", "p", "table", "code"; "chart" (HTML only: `points` as an inline SVG
    # line, `threshold` dashed); "footer": what follows is the footer
    kind: str
    text: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    points: tuple[tuple[str, float, bool], ...] = ()  # chart: (time, value, breached)
    threshold: float | None = None


async def report_data(
    schema: strawberry.Schema, *, context: Any, model_version: str
) -> dict[str, Any]:
    """The report's JSON, through the GraphQL schema with the caller's context."""
    result = await schema.execute(
        REPORT_QUERY,
        variable_values={"mv": model_version},
        context_value=context,
        operation_name="ComplianceReport",
    )
    if result.errors:
        original = result.errors[0].original_error
        if isinstance(original, CatalogError):
            raise original
        raise RuntimeError(f"the report query failed: {result.errors[0].message}")
    report = (result.data or {}).get("complianceReport")
    if report is None:
        raise NotFoundError(f"no model version {model_version!r}")
    data: dict[str, Any] = report
    data["document"] = await _document(context, content=report)
    return data


def content_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the report's content: its JSON without the `document` block, keys sorted,
    no spaces, UTF-8. Anyone holding the JSON format can recompute it."""
    content = {k: v for k, v in data.items() if k != "document"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


async def _document(context: Any, *, content: dict[str, Any]) -> dict[str, Any]:
    """What identifies this document: its id and content hash, the audit chain as it
    stood (head, and whether every event verified), the catalog version and the author."""
    digest = content_hash(content)
    graph = context.graph
    head = await audit.chain_head(graph)
    chain = await verify_chain(graph)
    at = datetime.fromisoformat(str(content["generatedAt"]))
    principal = context.principal
    return {
        "id": f"CR-{at:%Y%m%dT%H%M%SZ}-{digest[:12]}",
        "contentSha256": digest,
        "auditChain": {
            "headSeq": head[0] if head else None,
            "headHash": head[1] if head else None,
            "eventsVerified": chain.checked,
            "verified": chain.ok,
            "problem": chain.problem,
        },
        "catalogVersion": _catalog_version(),
        "generatedBy": principal.uid if principal is not None else None,
    }


def _catalog_version() -> str:
    try:
        return version("lineage-catalog")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def _time(value: Any) -> str:
    """An ISO time as `YYYY-MM-DD HH:MM:SS UTC` (to the second), or `-`."""
    if not value:
        return "-"
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if at.utcoffset() is not None:
        at = at.astimezone(UTC)
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool | int | float):
        return _number(value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_cell(v)}" for k, v in sorted(value.items())) or "-"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value) or "-"
    return str(value)


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Block:
    return Block("table", header=header, rows=tuple(tuple(_cell(v) for v in r) for r in rows))


def _named(thing: dict[str, Any] | None) -> str:
    """`Name (key)`, or the key alone when there is no name."""
    if not thing:
        return "-"
    name, key = thing.get("name"), thing.get("key")
    return f"{name} ({key})" if name and name != key else str(key)


def _run(run: dict[str, Any] | None) -> str:
    """A run as people know it: its job, when it started, its id."""
    if not run:
        return "-"
    job = (run.get("job") or {}).get("name") or (run.get("job") or {}).get("key") or "run"
    return f"{job}, started {_time(run.get('startedAt'))} ({run['key']})"


def _labels(data: dict[str, Any]) -> dict[str, str]:
    """What to call each node of the lineage in a path: names where the report has them."""
    lineage = data["lineage"]
    found = {f"ModelVersion:{data['modelVersion']['key']}": data["modelVersion"]["key"]}
    for d in lineage["datasetVersions"]:
        name = (d.get("dataset") or {}).get("name")
        found[f"DatasetVersion:{d['key']}"] = f"{name} {d['key']}" if name else d["key"]
    for f in lineage["features"]:
        found[f"Feature:{f['key']}"] = _named(f)
    for r in [*lineage["runs"], lineage.get("trainingRun") or {}]:
        if r:
            job = (r.get("job") or {}).get("name") or (r.get("job") or {}).get("key")
            found[f"Run:{r['key']}"] = f"run of {job}" if job else f"run {r['key']}"
    return found


def _chains(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each classification once per distinct path, the path as a chain of names."""
    labels = _labels(data)

    def label(uid: str) -> str:
        return labels.get(uid) or uid.split(":", 1)[-1]

    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    rows = []
    for c in data["classificationsUpstream"]:
        key = (c["classification"], c["holder"]["id"], tuple(c["path"]))
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            (c["classification"], label(c["holder"]["id"]), " → ".join(label(u) for u in c["path"]))
        )
    return rows


def _key_values(title: str, values: dict[str, Any] | None) -> Block:
    return _table((title, "value"), sorted((values or {}).items()))


def blocks(data: dict[str, Any]) -> list[Block]:
    """The report laid out: summary first, then each part an auditor checks, then the
    document's identity."""
    mv = data["modelVersion"]
    lineage = data["lineage"]
    classified = data["classificationsUpstream"]
    out = [
        Block("h1", f"Compliance report: {mv['key']}"),
        Block(
            "p",
            f"Generated {_time(data['generatedAt'])}. Stage: {mv['stage']}. "
            f"Model: {_named(data.get('model'))}.",
        ),
        Block(
            "p",
            "Sensitive data upstream: "
            + (", ".join(sorted({c["classification"] for c in classified})) or "none"),
        ),
        Block("h2", "Metrics"),
        _key_values("metric", mv.get("metrics")),
    ]
    out += _lifecycle_blocks(data)
    out += [
        Block("h2", "Lineage"),
        Block(
            "p",
            f"Training run: {_run(lineage.get('trainingRun'))}, ended "
            f"{_time((lineage.get('trainingRun') or {}).get('endedAt'))}.",
        ),
        _table(
            ("dataset version", "dataset", "content hash"),
            [
                (d["key"], (d.get("dataset") or {}).get("name"), d["contentHash"])
                for d in lineage["datasetVersions"]
            ],
        ),
        _table(("feature",), [(_named(f),) for f in lineage["features"]]),
        _table(
            ("code commit", "author"),
            [(c["key"], _named(c.get("author"))) for c in lineage["codeCommits"]],
        ),
        _table(
            ("run", "job", "kind", "status", "started"),
            [
                (
                    r["key"],
                    _named(r.get("job")),
                    r["runKind"],
                    r["status"],
                    _time(r.get("startedAt")),
                )
                for r in lineage["runs"]
            ],
        ),
        Block("h2", "Sensitive data upstream"),
        _table(("classification", "set on", "path"), list(_chains(data))),
        Block("h2", "Owners"),
        # "of" is where the ownership is: a version's own, or its dataset's or model's,
        # which the version inherits (the rule of the `owners` fields).
        _table(
            ("owner", "kind", "role", "of", "since", "how"),
            [
                (
                    _named(o["owner"]),
                    o["owner"]["__typename"],
                    o["role"],
                    o["target"]["id"],
                    _time(o["since"]),
                    "inherited" if o.get("inherited") else "direct",
                )
                for o in lineage["owners"]
            ],
        ),
    ]
    repro = data.get("reproducibility") or {}
    out += [
        Block("h2", "Reproducibility"),
        Block(
            "p",
            f"Training run {(repro.get('trainingRun') or {}).get('key', '-')}, code "
            f"{(repro.get('codeCommit') or {}).get('key', '-')}.",
        ),
        _key_values("parameter", repro.get("parameters")),
        _key_values("environment", repro.get("environment")),
        Block("h2", "Serving now"),
        _table(
            ("deployment", "role", "traffic", "since"),
            [
                (s["deployment"]["key"], s["role"], s["trafficShare"], _time(s["validFrom"]))
                for s in data["serving"]
            ],
        ),
    ]
    # reporting_monitoring builds on this module's blocks, so it is imported here.
    from lineage_catalog.reporting_monitoring import monitoring_blocks

    out += monitoring_blocks(data)
    out += [
        Block("h2", "Audit trail"),
        _table(
            ("time", "actor", "kind", "action", "target", "reason"),
            [
                (
                    _time(e["time"]),
                    e["actor"],
                    e["actorKind"],
                    e["action"],
                    e["target"],
                    e["reason"],
                )
                for e in data["auditTrail"]
            ],
        ),
    ]
    document = data.get("document")
    if document:
        chain = document["auditChain"]
        status = (
            f"verified: {chain['eventsVerified']:,} events, head event {chain['headSeq']}"
            if chain["verified"]
            else f"BROKEN: {chain['problem']}"
        )
        out += [
            Block("footer"),
            Block("h2", "Document"),
            _table(
                ("field", "value"),
                [
                    ("document id", document["id"]),
                    ("content SHA-256", document["contentSha256"]),
                    ("audit chain", status),
                    ("audit chain head hash", chain["headHash"]),
                    ("catalog version", document["catalogVersion"]),
                    ("generated by", document["generatedBy"]),
                    ("generated at", _time(data["generatedAt"])),
                ],
            ),
            Block(
                "p",
                "The content SHA-256 is that of the report's JSON format without its "
                "`document` block, keys sorted, no spaces, UTF-8.",
            ),
        ]
    return out


def _lifecycle_blocks(data: dict[str, Any]) -> list[Block]:
    """Approvals, KPIs, evaluations and the model card, when the report carries them."""
    found: list[Block] = []
    card = data.get("modelCard")
    if card is not None:
        mark = {True: "✓ met", False: "✗ not met", None: "no value"}
        evaluations = card.get("evaluations", [])
        found += [
            Block("h2", "KPIs"),
            _table(
                ("metric", "threshold", "direction", "value", "met"),
                [
                    (k["metric"], k["threshold"], k["direction"], k["value"], mark[k["met"]])
                    for k in card.get("kpis", [])
                ],
            ),
            Block("h2", "Evaluations"),
            _table(
                ("evaluation", "slice", "metric", "value", "at"),
                [
                    (e["key"], e["slice"] or "overall", metric, value, _time(e["createdAt"]))
                    for e in evaluations
                    for metric, value in sorted((e.get("metrics") or {}).items())
                ],
            ),
            Block("h2", "Model card"),
            _table(
                ("field", "value"),
                [
                    ("intended use", card.get("intendedUse")),
                    ("business goal", card.get("businessGoal")),
                    ("stakeholders", ", ".join(card.get("stakeholders") or [])),
                    ("known risks", "; ".join(card.get("knownRisks") or [])),
                    ("failure modes", "; ".join(card.get("failureModes") or [])),
                    ("limitations", card.get("limitations")),
                    ("updated", f"{_time(card.get('updatedAt'))} by {card.get('updatedBy')}"),
                ],
            ),
            Block("h2", "Fairness"),
            _fairness(card.get("fairnessEvaluations") or []),
        ]
    approvals = data.get("approvals")
    imported = data.get("importedServing") or []
    if approvals is not None:
        found.append(Block("h2", "Approvals"))
        if not approvals and imported:
            found.append(
                Block(
                    "p",
                    "History imported, no approval on record: this version's serving "
                    "below came in through a bulk load, not through the lifecycle.",
                )
            )
        if imported:
            found.append(
                _table(
                    ("imported serving at", "role", "from", "to", "imported by", "reason"),
                    [
                        (
                            i["deployment"]["key"],
                            i["role"],
                            _time(i["validFrom"]),
                            _time(i["validTo"]) if i["validTo"] else "still",
                            i["changedBy"],
                            i["reason"],
                        )
                        for i in imported
                    ],
                )
            )
    if approvals is not None and (approvals or not imported):
        found += [
            _table(
                (
                    "request",
                    "status",
                    "to",
                    "requested by",
                    "requested",
                    "decided by",
                    "decided",
                    "reason",
                ),
                [
                    (
                        a["key"],
                        a["status"],
                        a["toStage"],
                        a["requestedBy"],
                        _time(a["requestedAt"]),
                        a["decidedBy"],
                        _time(a["decidedAt"]),
                        a["decisionReason"] or a["requestReason"],
                    )
                    for a in approvals
                ],
            ),
        ]
    return found


def _fairness(results: list[Any]) -> Block:
    """Fairness results as a table of their fields (the card's objects share no schema)."""
    objects = [r for r in results if isinstance(r, dict)]
    columns = sorted({k for r in objects for k in r})
    if not objects:
        return _table(("fairness result",), [(r,) for r in results])
    return _table(tuple(columns), [tuple(r.get(c) for c in columns) for r in objects])


FORMATS = ("markdown", "html", "json")
MEDIA_TYPES = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "json": "application/json", "pdf": "application/pdf"}  # fmt: skip


class PdfUnavailableError(GraphUnavailableError):
    """The PDF printer (headless Chromium) is not installed or failed."""


def to_pdf(data: dict[str, Any], *, chromium: str, timeout_s: float = 60.0) -> bytes:
    """The HTML report printed to PDF by headless Chromium (its print stylesheet: A4,
    page numbers in the footer). Nothing is fetched: the page has no external resources."""
    with tempfile.TemporaryDirectory(prefix="lineage-report-") as work:
        page, pdf = Path(work) / "report.html", Path(work) / "report.pdf"
        page.write_text(to_html(data), encoding="utf-8")
        command = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-pdf-header-footer", f"--user-data-dir={Path(work) / 'profile'}",
            f"--print-to-pdf={pdf}", page.as_uri(),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=timeout_s, check=True)
        except FileNotFoundError as e:
            raise PdfUnavailableError(
                f"no PDF printer: {chromium} is not installed (settings.chromium_path)"
            ) from e
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            raise PdfUnavailableError(f"the PDF printer failed: {e}") from e
        if not pdf.is_file():
            raise PdfUnavailableError("the PDF printer wrote no file")
        return pdf.read_bytes()


def render(data: dict[str, Any], fmt: str) -> str:
    """The report as a document in one of FORMATS."""
    if fmt == "markdown":
        return to_markdown(data)
    if fmt == "html":
        return to_html(data)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def to_markdown(data: dict[str, Any]) -> str:
    """The report as Markdown."""
    lines: list[str] = []
    for block in blocks(data):
        if block.kind == "h1":
            lines += [f"# {block.text}", ""]
        elif block.kind == "h2":
            lines += [f"## {block.text}", ""]
        elif block.kind == "h3":
            lines += [f"### {block.text}", ""]
        elif block.kind == "chart":
            continue  # the table that follows holds the same values
        elif block.kind == "p":
            lines += [block.text, ""]
        elif block.kind == "code":
            lines += ["```json", block.text, "```", ""]
        elif block.kind == "footer":
            lines += ["---", ""]
        elif not block.rows:
            lines += [f"_No {block.header[0]}._", ""]
        else:

            def esc(cell: str) -> str:
                return cell.replace("|", "\\|").replace("\n", " ")

            lines.append("| " + " | ".join(block.header) + " |")
            lines.append("|" + "---|" * len(block.header))
            lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in block.rows]
            lines.append("")
    return "\n".join(lines)


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;
  color:#111;line-height:1.35}
table{border-collapse:collapse;margin:.5rem 0 1rem}
td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
footer{margin-top:2rem;border-top:2px solid #111;font-size:.9em}
footer td:first-child{white-space:nowrap}
code,footer td{overflow-wrap:anywhere}
time{white-space:nowrap}
@page{size:A4;margin:16mm 14mm 20mm;
  @bottom-left{content:DOCUMENT_ID;font:8pt system-ui,sans-serif;color:#444}
  @bottom-right{content:"page " counter(page) " of " counter(pages);
    font:8pt system-ui,sans-serif;color:#444}}
@media print{
  body{max-width:none;margin:0;padding:0;font-size:9pt}
  h1{font-size:16pt}h2{font-size:12pt;break-after:avoid;margin-top:1.2em}
  table{width:100%}thead{display:table-header-group}tr{break-inside:avoid}
  footer{break-inside:avoid}
}
"""


_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")


def _times(cell: str) -> str:
    """Times in a cell as <time> elements, which the stylesheet keeps on one line."""
    return _TIME.sub(lambda m: f"<time>{m.group(0)}</time>", cell)


def to_html(data: dict[str, Any]) -> str:
    """The report as a standalone HTML page, with a print stylesheet (A4, the document id
    and page numbers at the foot of every page) and the document's identity in its
    footer."""
    from lineage_catalog.reporting_monitoring import svg_chart  # builds on this module

    e = html.escape
    parts = []
    in_footer = False
    for block in blocks(data):
        if block.kind in ("h1", "h2", "h3"):
            parts.append(f"<{block.kind}>{e(block.text)}</{block.kind}>")
        elif block.kind == "chart":
            parts.append(svg_chart(block))
        elif block.kind == "p":
            parts.append(f"<p>{e(block.text)}</p>")
        elif block.kind == "code":
            parts.append(f"<pre><code>{e(block.text)}</code></pre>")
        elif block.kind == "footer":
            parts.append("<footer>")
            in_footer = True
        elif not block.rows:
            parts.append(f"<p><em>No {e(block.header[0])}.</em></p>")
        else:
            head = "".join(f"<th>{e(h)}</th>" for h in block.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{_times(e(c))}</td>" for c in row) + "</tr>"
                for row in block.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    if in_footer:
        parts.append("</footer>")
    title = e(f"Compliance report: {data['modelVersion']['key']}")
    document_id = (data.get("document") or {}).get("id", "")
    # A CSS string: the id is [A-Za-z0-9-] (see _document), quoted for CSS by json.dumps.
    style = _STYLE.replace(
        "DOCUMENT_ID", json.dumps(f"{title} · {document_id}", ensure_ascii=False)
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )
