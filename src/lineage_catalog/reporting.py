"""The compliance report as a document: one GraphQL query (so the report is exactly what
the API answers), laid out once as blocks and written as Markdown or HTML."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import strawberry

from lineage_catalog.domain.errors import CatalogError, NotFoundError

REPORT_QUERY = """
query ComplianceReport($mv: String!) {
  complianceReport(modelVersion: $mv) {
    generatedAt
    model { key name description }
    modelVersion { key version stage artifactUri metrics }
    lineage {
      trainingRun { key runKind startedAt endedAt }
      datasetVersions { key contentHash }
      features { key }
      codeCommits { key author { key } }
      runs { key runKind status }
      owners { role since inherited owner { __typename ... on Person { key } ... on Team { key }
               ... on ServiceAccount { key } } target { id } }
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
    auditTrail { time actor actorKind action target reason }
  }
}
"""


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of the document: a heading, a paragraph, a table or a code block."""

    kind: str  # "h1", "h2", "p", "table", "code"
    text: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


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
    return data


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Block:
    return Block("table", header=header, rows=tuple(tuple(_cell(v) for v in r) for r in rows))


def blocks(data: dict[str, Any]) -> list[Block]:
    """The report laid out: summary first, then each part an auditor checks."""
    mv = data["modelVersion"]
    lineage = data["lineage"]
    classified = data["classificationsUpstream"]
    out = [
        Block("h1", f"Compliance report: {mv['key']}"),
        Block(
            "p",
            f"Generated {data['generatedAt']}. Stage: {mv['stage']}. "
            f"Model: {(data.get('model') or {}).get('name') or '-'}.",
        ),
        Block(
            "p",
            "Sensitive data upstream: "
            + (", ".join(sorted({c["classification"] for c in classified})) or "none"),
        ),
    ]
    out += _lifecycle_blocks(data)
    run = lineage.get("trainingRun") or {}
    out += [
        Block("h2", "Lineage"),
        Block(
            "p",
            f"Training run {run.get('key', '-')} ({run.get('startedAt', '-')} to "
            f"{run.get('endedAt', '-')}).",
        ),
        _table(
            ("dataset version", "content hash"),
            [(d["key"], d["contentHash"]) for d in lineage["datasetVersions"]],
        ),
        _table(("feature",), [(f["key"],) for f in lineage["features"]]),
        _table(
            ("code commit", "author"),
            [(c["key"], (c.get("author") or {}).get("key")) for c in lineage["codeCommits"]],
        ),
        _table(
            ("run", "kind", "status"),
            [(r["key"], r["runKind"], r["status"]) for r in lineage["runs"]],
        ),
        Block("h2", "Sensitive data upstream"),
        _table(
            ("classification", "set on", "path"),
            [(c["classification"], c["holder"]["id"], " → ".join(c["path"])) for c in classified],
        ),
        Block("h2", "Owners"),
        # "of" is where the ownership is: a version's own, or its dataset's or model's,
        # which the version inherits (the rule of the `owners` fields).
        _table(
            ("owner", "role", "of", "since", "how"),
            [
                (
                    f"{o['owner']['__typename']}:{o['owner']['key']}",
                    o["role"],
                    o["target"]["id"],
                    o["since"],
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
            "code",
            json.dumps(
                {"parameters": repro.get("parameters"), "environment": repro.get("environment")},
                indent=2,
                sort_keys=True,
            ),
        ),
        Block("h2", "Serving now"),
        _table(
            ("deployment", "role", "traffic", "since"),
            [
                (s["deployment"]["key"], s["role"], s["trafficShare"], s["validFrom"])
                for s in data["serving"]
            ],
        ),
        Block("h2", "Audit trail"),
        _table(
            ("time", "actor", "kind", "action", "target", "reason"),
            [
                (e["time"], e["actor"], e["actorKind"], e["action"], e["target"], e["reason"])
                for e in data["auditTrail"]
            ],
        ),
    ]
    return out


def _lifecycle_blocks(data: dict[str, Any]) -> list[Block]:
    """Approvals, KPIs, evaluations and the model card, when the report carries them."""
    found: list[Block] = []
    card = data.get("modelCard")
    if card is not None:
        found += [
            Block("h2", "KPIs"),
            _table(
                ("metric", "threshold", "direction", "value", "met"),
                [
                    (k["metric"], k["threshold"], k["direction"], k["value"], k["met"])
                    for k in card.get("kpis", [])
                ],
            ),
            Block("h2", "Evaluations"),
            _table(
                ("evaluation", "slice", "metrics", "at"),
                [
                    (e["key"], e["slice"], e["metrics"], e["createdAt"])
                    for e in card.get("evaluations", [])
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
                    ("fairness evaluations", card.get("fairnessEvaluations")),
                    ("limitations", card.get("limitations")),
                ],
            ),
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
                            i["validFrom"],
                            i["validTo"],
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
                ("request", "status", "to", "requested by", "decided by", "reason"),
                [
                    (
                        a["key"],
                        a["status"],
                        a["toStage"],
                        a["requestedBy"],
                        a["decidedBy"],
                        a["decisionReason"],
                    )
                    for a in approvals
                ],
            ),
        ]
    return found


FORMATS = ("markdown", "html", "json")
MEDIA_TYPES = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "json": "application/json"}  # fmt: skip


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
        elif block.kind == "p":
            lines += [block.text, ""]
        elif block.kind == "code":
            lines += ["```json", block.text, "```", ""]
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


def to_html(data: dict[str, Any]) -> str:
    """The report as a standalone HTML page."""
    e = html.escape
    parts = []
    for block in blocks(data):
        if block.kind in ("h1", "h2"):
            parts.append(f"<{block.kind}>{e(block.text)}</{block.kind}>")
        elif block.kind == "p":
            parts.append(f"<p>{e(block.text)}</p>")
        elif block.kind == "code":
            parts.append(f"<pre><code>{e(block.text)}</code></pre>")
        elif not block.rows:
            parts.append(f"<p><em>No {e(block.header[0])}.</em></p>")
        else:
            head = "".join(f"<th>{e(h)}</th>" for h in block.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in block.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    title = e(f"Compliance report: {data['modelVersion']['key']}")
    style = (
        "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;"
        "padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )
