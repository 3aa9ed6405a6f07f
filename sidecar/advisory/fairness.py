"""The fairness report: priority scores per customer segment, and the gap between segments, so a bias in
the factors (one tier always first, another always last) is visible to the people who own them."""
from __future__ import annotations

import statistics

from sidecar.advisory.priority import segment_figures


def report(scored: list[tuple[str, dict]]) -> dict:
    """`scored`: (segment, priority result) pairs. Figures per segment, each factor's mean points there, the gap."""
    groups: dict[str, list[dict]] = {}
    for segment, result in scored:
        groups.setdefault(segment, []).append(result)
    segments = {}
    for name, results in sorted(groups.items()):
        factors = sorted({f["factor"] for r in results for f in r["factors"]})
        segments[name] = {**segment_figures([r["score"] for r in results]), "factor_means": {
            factor: round(statistics.fmean(_points(r, factor) for r in results), 2) for factor in factors}}
    return {"cases": len(scored), "overall": segment_figures([r["score"] for _, r in scored]) if scored else None,
            "segments": segments, "gap": _gap(segments)}


def _points(result: dict, factor: str) -> float:
    """A factor's points in one result (0 when the case lacked it)."""
    return next((f["points"] for f in result["factors"] if f["factor"] == factor), 0.0)


def _gap(segments: dict) -> dict | None:
    """How far apart the highest- and lowest-scored segments are (by mean, and by median)."""
    if len(segments) < 2:
        return None
    highest = max(segments, key=lambda name: segments[name]["mean"])
    lowest = min(segments, key=lambda name: segments[name]["mean"])
    medians = [s["median"] for s in segments.values()]
    return {"highest": highest, "lowest": lowest,
            "mean": round(segments[highest]["mean"] - segments[lowest]["mean"], 2),
            "median": round(max(medians) - min(medians), 2)}
