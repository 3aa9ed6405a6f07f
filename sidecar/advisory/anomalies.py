"""Unusual values in a series of orders, transfers or adjustments: robust (modified) z-scores.

z = 0.6745 * (x - median) / MAD (Iglewicz and Hoaglin): the median and the median absolute deviation
are not dragged by the outliers they are meant to find, as a mean and a standard deviation are.
"""
from __future__ import annotations

import statistics

CONSISTENCY = 0.6745  # makes the MAD estimate a standard deviation for normal data
MIN_POINTS = 5


def robust_z(values: list[float]) -> list[float]:
    """The modified z-score of each value (0 for all when the series has no spread)."""
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    if mad == 0:  # over half the values equal: fall back to the mean absolute deviation
        mean_ad = statistics.fmean(abs(v - median) for v in values)
        return [0.0 if mean_ad == 0 else (v - median) / (1.2533 * mean_ad) for v in values]
    return [CONSISTENCY * (v - median) / mad for v in values]


def find_anomalies(values: list[float], threshold: float, labels: list | None = None) -> dict:
    """The points whose |z| reaches `threshold`, with the median and MAD they were measured against."""
    if len(values) < MIN_POINTS:
        return {"anomalies": [], "points": len(values), "note": f"fewer than {MIN_POINTS} points: nothing judged"}
    scores = robust_z(values)
    median = statistics.median(values)
    found = [{"index": i, "value": v, "z": round(z, 2), "direction": "high" if z > 0 else "low",
              **({"label": labels[i]} if labels else {})}
             for i, (v, z) in enumerate(zip(values, scores)) if abs(z) >= threshold]
    return {"anomalies": found, "points": len(values), "median": median,
            "mad": statistics.median(abs(v - median) for v in values), "threshold": threshold}
