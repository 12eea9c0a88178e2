"""The landmark-level fault set: thousands of scripted cases scored without rendering a frame.

Each case is a fault-benchmark spec (``benchmark_spec``: exercise, side, fault or clean,
camera turn, distance, height, tempo, holds), performed, projected exactly and put through
the landmark error model fitted on how MediaPipe errs on the renders. The rules then run
on it as on a real track and are scored against the script's truth. Rendering and pose
tracking cost minutes a clip; this costs a fraction of a second, so per-fault precision and
recall by camera angle come with hundreds of cases behind each figure instead of a few.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

#: The default seed: away from the benchmark's TUNE_SEED/HOLDOUT_SEED so no case repeats a clip.
LANDMARK_SEED = 1414


@dataclass
class CaseResult:
    score: object  # formcheck.analyze.evaluate.ClipScore
    seconds: dict  # CPU seconds (load-independent) spent on: perform, errors, analysis


def landmark_specs(cases: int, seed: int = LANDMARK_SEED) -> list:
    """``cases`` randomised specs cycling through every (exercise, fault) pair, as the benchmark draws them."""
    from formcheck.synth.benchmark import benchmark_set

    return benchmark_set(seed, cases)


_PARAMS: dict | None = None


def _init(params: dict | None) -> None:
    """Worker start: keep the model once per process instead of pickling it with every case."""
    global _PARAMS
    _PARAMS = params


def run_case(spec, params: dict | None, seed: int) -> CaseResult:
    """One case end to end: perform, exact track, error model (None: exact), analysis, score."""
    from formcheck.analyze.evaluate import ClipScore, score_clip
    from formcheck.analyze.track import analyze_track
    from formcheck.report.build import build_report
    from formcheck.rules.exercise import get_exercise
    from formcheck.synth.clip import truth_entry
    from formcheck.synth.error_fit import exact_track_for
    from formcheck.synth.error_model import apply_error_model

    t0 = time.process_time()
    exact, perf, camera = exact_track_for(spec)
    label = truth_entry(spec, perf, camera, spec.name)
    label.pop("per_frame")
    label["_file"] = spec.name
    t1 = time.process_time()
    track = exact if params is None else apply_error_model(exact, params, np.random.default_rng([seed, 7]),
                                                           label["view"], spec.script.exercise)
    t2 = time.process_time()
    try:
        result = analyze_track(get_exercise(spec.script.exercise), track)
        score = score_clip(label, build_report(result, spec.name, "full"))
    except Exception as exc:  # noqa: BLE001 - one bad case must not stop the set
        score = ClipScore(spec.name, spec.script.exercise, int(label["complete_reps"]), [], 0,
                          error=f"{type(exc).__name__}: {exc}")
        score.misses.append(f"analysis failed: {score.error}")
    t3 = time.process_time()
    return CaseResult(score, {"perform": t1 - t0, "errors": t2 - t1, "analysis": t3 - t2})


def _run_indexed(args: tuple) -> CaseResult:
    spec, seed = args
    return run_case(spec, _PARAMS, seed)


def run_set(specs: list, params: dict | None, seed: int = LANDMARK_SEED, jobs: int = 1,
            progress=None) -> list[CaseResult]:
    """Every case, in order, over ``jobs`` processes (each case's noise seeded by its index)."""
    work = [(spec, seed * 100003 + i) for i, spec in enumerate(specs)]
    if jobs <= 1:
        _init(params)
        results = []
        for i, w in enumerate(work, 1):
            results.append(_run_indexed(w))
            if progress:
                progress(i, len(work))
        return results
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ctx.Pool(jobs, initializer=_init, initargs=(params,)) as pool:
        results = []
        for i, r in enumerate(pool.imap(_run_indexed, work, chunksize=8), 1):
            results.append(r)
            if progress:
                progress(i, len(work))
    return results


def format_summary(summary: dict) -> str:
    """``set_summary`` as a plain-text table: overall, per fault, per camera-angle bucket."""
    s = summary
    lines = [f"cases {s['clips']}: exact counts {s['exact_counts']} ({s['exact_count_rate']}), "
             f"sides {s['sides_right']}/{s['sides_labelled']} ({s['side_accuracy']}), "
             f"holds {s['holds_within_0.3s']}/{s['holds']} within 0.3 s (mean error {s['hold_error_mean_s']} s)",
             f"faults: tp {s['fault_tp']} fp {s['fault_fp']} fn {s['fault_fn']}, "
             f"precision {s['fault_precision']} recall {s['fault_recall']}"]
    for title, rows in (("per exercise and fault", s["faults"]), ("per camera turn and fault", s["faults_by_angle"])):
        lines.append(f"{title}:")
        lines.append(f"  {'group':28s} {'fault':22s} {'tp':>5s} {'fp':>5s} {'fn':>5s} {'prec':>6s} {'recall':>6s}")
        for (group, code), r in rows.items():
            p = "-" if r["precision"] is None else f"{r['precision']:.2f}"
            q = "-" if r["recall"] is None else f"{r['recall']:.2f}"
            lines.append(f"  {group:28s} {code:22s} {r['tp']:5d} {r['fp']:5d} {r['fn']:5d} {p:>6s} {q:>6s}")
    return "\n".join(lines)
