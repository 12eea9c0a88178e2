"""``docs/accuracy.md`` as text: the accuracy tables of each labelled set, with every miss listed.

Kept apart from the scoring (formcheck.analyze.accuracy) so the figures are computed once
and can be printed, checked against targets or written as Markdown alike.
"""

from __future__ import annotations

from formcheck.analyze.evaluate import ClipScore

#: Issue 14's targets, on the held-out set within the supported camera range.
TARGETS = {"fault_precision": 0.9, "fault_recall": 0.9, "exact_count_rate": 0.98, "side_accuracy": 0.98,
           "max_hold_error_s": 0.3, "holds_within_0.3s_rate": 1.0}
SUPPORTED_TURN_DEG = 30.0


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def overall_table(rows: list[tuple[str, dict]]) -> list[str]:
    head = ("set", "clips", "exact counts", "holds within 0.3 s", "mean hold error s", "sides right",
            "fault precision", "fault recall", "tp/fp/fn")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, s in rows:
        out.append("| " + " | ".join([
            name, str(s["clips"]), f"{s['exact_counts']}/{s['clips']}",
            f"{s['holds_within_0.3s']}/{s['holds']}", _fmt(s["hold_error_mean_s"]),
            f"{s['sides_right']}/{s['sides_labelled']}", _fmt(s["fault_precision"]), _fmt(s["fault_recall"]),
            f"{s['fault_tp']}/{s['fault_fp']}/{s['fault_fn']}"]) + " |")
    return out


def fault_table(rows: dict, group: str) -> list[str]:
    out = [f"| {group} | fault | tp | fp | fn | precision | recall |", "|---|---|---|---|---|---|---|"]
    for (g, code), r in rows.items():
        out.append(f"| {g} | {code} | {r['tp']} | {r['fp']} | {r['fn']} | {_fmt(r['precision'])} | {_fmt(r['recall'])} |")
    return out


def misses(scores: list[ClipScore]) -> list[str]:
    out = []
    for s in scores:
        if s.misses:
            turn = "" if s.azimuth_deg is None else f" (camera {s.azimuth_deg:+.0f} deg)"
            out.append(f"- `{s.path}`{turn}: " + "; ".join(s.misses))
    return out or ["- none"]


def target_shortfalls(summary: dict) -> list[str]:
    """What falls short of :data:`TARGETS` in a set summary (empty when every target is met)."""
    short = []
    for key in ("exact_count_rate", "side_accuracy"):
        if summary[key] is not None and summary[key] < TARGETS[key]:
            short.append(f"{key} {summary[key]} < {TARGETS[key]}")
    if summary["hold_error_max_s"] is not None and summary["holds_within_0.3s"] < summary["holds"]:
        short.append(f"{summary['holds'] - summary['holds_within_0.3s']} of {summary['holds']} holds off by more "
                     f"than {TARGETS['max_hold_error_s']} s")
    for (ex, code), r in summary["faults"].items():
        for key in ("precision", "recall"):
            if r[key] is not None and r[key] < TARGETS[f"fault_{key}"]:
                short.append(f"{ex} {code} {key} {r[key]} < {TARGETS[f'fault_{key}']}")
    return short


def set_section(title: str, note: str, scores: list[ClipScore], summary: dict, by_angle: bool) -> list[str]:
    lines = [f"## {title}", "", note, "", *overall_table([(title, summary)]), "",
             "Per exercise and fault:", "", *fault_table(summary["faults"], "exercise"), ""]
    if by_angle:
        lines += ["By camera turn from the recommended view (all exercises):", "",
                  *fault_table(summary["faults_by_angle"], "camera turn"), ""]
    lines += ["Every miss:", "", *misses(scores), ""]
    return lines
