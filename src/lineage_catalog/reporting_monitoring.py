"""The compliance report's monitoring section as blocks (reporting.py lays them out): the
version's monitors with their values over time (a table each, and in HTML an inline SVG
line chart), its incidents with every transition and reason, the changes that cited them,
and the "retrained because" chain from an incident to this version."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from lineage_catalog.reporting import Block, _table, _time

# The chart's drawing box, in SVG user units (the page scales it to its column).
_W, _H, _PAD = 480.0, 140.0, 28.0


def _latest(observations: list[dict[str, Any]]) -> str:
    if not observations:
        return "-"
    last = observations[-1]
    return f"{last['value']:.4g} at {_time(last['observedAt'])}"


def _watched(monitor: dict[str, Any]) -> str:
    return str(monitor["targetId"])


def _threshold(monitor: dict[str, Any]) -> str:
    side = ">" if monitor["direction"] == "ABOVE" else "<"
    return f"breach {side} {monitor['threshold']:.4g}"


def _run_label(run: dict[str, Any]) -> str:
    job = (run.get("job") or {}).get("name") or (run.get("job") or {}).get("key")
    started = _time(run.get("startedAt"))
    return f"{run['id']} ({job}, started {started})" if job else str(run["id"])


def _retrained_because(data: dict[str, Any], incidents: list[dict[str, Any]]) -> list[Block]:
    """Each incident this version answers: what opened it, the training run that addressed
    it, the changes that cited it, and how it ended."""
    mv = data["modelVersion"]["key"]
    training = ((data.get("lineage") or {}).get("trainingRun") or {}).get("key")
    rows = []
    for i in incidents:
        runs = i.get("addressedBy") or []
        trained = [r for r in runs if training and r["id"] == f"Run:{training}"]
        cited = [c for c in i.get("citedBy") or [] if c["modelVersion"] == mv]
        fixed = [f["id"] for f in i.get("fixedBy") or []]
        if not (trained or cited or f"ModelVersion:{mv}" in fixed):
            continue
        opened = (i.get("history") or [{}])[0]
        why = opened.get("reason") or i["title"]
        how = "automatically" if i["automatic"] else f"by {i['openedBy']}"
        outcome = f"{i['status']}"
        if i.get("closedAt"):
            outcome += f" {_time(i['closedAt'])}"
        if fixed:
            outcome += ", fixed by " + ", ".join(fixed)
        rows.append(
            (
                i["key"],
                f"{why}; opened {how} {_time(i['openedAt'])}",
                "; ".join(_run_label(r) for r in trained) or "-",
                "; ".join(
                    f"{c['action']} by {c['by']} {_time(c['at'])}: {c['reason'] or '-'}"
                    for c in cited
                )
                or "-",
                outcome,
            )
        )
    if not rows:
        return [Block("p", "Retrained because: no incident is tied to this version.")]
    return [
        Block(
            "p",
            "Retrained because: the incidents this version answers, from what opened "
            "them to how they ended.",
        ),
        _table(("incident", "opened because", "retraining run", "cited by", "outcome"), rows),
    ]


def monitoring_blocks(data: dict[str, Any]) -> list[Block]:
    """The monitoring section, or nothing when the report carries none."""
    section = data.get("monitoring")
    if section is None:
        return []
    monitors, incidents = section["monitors"], section["incidents"]
    out = [
        Block("h2", "Monitoring"),
        _table(
            ("monitor", "watches", "type", "metric", "column", "threshold", "owner", "latest"),
            [
                (
                    m["monitor"]["key"],
                    _watched(m["monitor"]),
                    m["monitor"]["type"],
                    m["monitor"]["metric"],
                    m["monitor"]["column"],
                    _threshold(m["monitor"]),
                    m["monitor"]["owner"],
                    _latest(m["observations"]),
                )
                for m in monitors
            ],
        ),
    ]
    for m in monitors:
        monitor = m["monitor"]
        out += [
            Block("h3", f"Observations of {monitor['key']} ({monitor['metric']})"),
            Block(
                "chart",
                text=f"{monitor['metric']} of {monitor['key']} over time",
                points=tuple(
                    (o["observedAt"], float(o["value"]), bool(o["breached"]))
                    for o in m["observations"]
                ),
                threshold=float(monitor["threshold"]),
            ),
            _table(
                ("observed", "value", "breached", "source"),
                [
                    (_time(o["observedAt"]), o["value"], o["breached"], o["source"])
                    for o in m["observations"]
                ],
            ),
        ]
    out += [
        Block("h3", "Incidents"),
        _table(
            ("incident", "title", "status", "severity", "opened", "closed", "breaches", "about"),
            [
                (
                    i["key"],
                    i["title"],
                    i["status"],
                    i["severity"],
                    _time(i["openedAt"]),
                    _time(i["closedAt"]),
                    i["breaches"],
                    [a["id"] for a in i["about"]],
                )
                for i in incidents
            ],
        ),
        Block("h3", "Incident decisions"),
        _table(
            ("incident", "status", "at", "by", "reason"),
            [
                (i["key"], t["status"], _time(t["at"]), t["by"], t["reason"])
                for i in incidents
                for t in i["history"]
            ],
        ),
        Block("h3", "Changes citing an incident"),
        _table(
            ("incident", "change", "at", "by", "model version", "approval or deployment", "reason"),
            [
                (
                    i["key"],
                    c["action"],
                    _time(c["at"]),
                    c["by"],
                    c["modelVersion"],
                    c["approval"] or c["deployment"],
                    c["reason"],
                )
                for i in incidents
                for c in i.get("citedBy") or []
            ],
        ),
        Block("h3", "Retrained because"),
        *_retrained_because(data, incidents),
    ]
    return out


def svg_chart(block: Block) -> str:
    """An inline SVG line chart of a chart block: values over time, breaches as filled red
    dots, the threshold dashed. Nothing external: no fonts, images or scripts."""
    e = html.escape
    if not block.points:
        return f"<p><em>No observations to chart for {e(block.text)}.</em></p>"
    times = [datetime.fromisoformat(t).timestamp() for t, _, _ in block.points]
    values = [v for _, v, _ in block.points]
    scale_values = [*values, *([block.threshold] if block.threshold is not None else [])]
    low, high = min(scale_values), max(scale_values)
    if high == low:
        high, low = high + 1.0, low - 1.0
    first, last = min(times), max(times)
    span = (last - first) or 1.0

    def x(t: float) -> float:
        return _PAD + (t - first) / span * (_W - 2 * _PAD)

    def y(v: float) -> float:
        return _H - _PAD - (v - low) / (high - low) * (_H - 2 * _PAD)

    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, values, strict=True))
    dots = "".join(
        f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="3" '
        f'fill="{"#c0392b" if breached else "#1f77b4"}"><title>{e(at)}: {v:.4g}'
        f"{' (breach)' if breached else ''}</title></circle>"
        for (at, v, breached), t in zip(block.points, times, strict=True)
    )
    threshold = ""
    if block.threshold is not None:
        ty = y(block.threshold)
        threshold = (
            f'<line x1="{_PAD}" y1="{ty:.1f}" x2="{_W - _PAD}" y2="{ty:.1f}" stroke="#c0392b" '
            f'stroke-dasharray="4 3"/><text x="{_W - _PAD}" y="{ty - 4:.1f}" '
            f'text-anchor="end" font-size="10" fill="#c0392b">threshold '
            f"{block.threshold:.4g}</text>"
        )
    axes = (
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="#888"/>'
        f'<line x1="{_PAD}" y1="{_PAD}" x2="{_PAD}" y2="{_H - _PAD}" stroke="#888"/>'
        f'<text x="{_PAD}" y="{_H - 8}" font-size="10">{e(_time(block.points[0][0]))}</text>'
        f'<text x="{_W - _PAD}" y="{_H - 8}" font-size="10" text-anchor="end">'
        f"{e(_time(block.points[-1][0]))}</text>"
        f'<text x="2" y="{y(high) + 4:.1f}" font-size="10">{high:.3g}</text>'
        f'<text x="2" y="{y(low):.1f}" font-size="10">{low:.3g}</text>'
    )
    return (
        f'<figure class="chart"><svg role="img" viewBox="0 0 {_W:.0f} {_H:.0f}" '
        f'width="{_W:.0f}" height="{_H:.0f}" aria-label="{e(block.text)}">'
        f"<title>{e(block.text)}</title>{axes}{threshold}"
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{line}"/>{dots}'
        f"</svg><figcaption>{e(block.text)}</figcaption></figure>"
    )
