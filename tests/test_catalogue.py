"""The whole exercise library (issue 6): every exercise of the catalogue, on synthetic tracks.

For every exercise beyond the first four (those are tested in depth in test_engine.py), a
scripted performance with each of its faults acted out on its own rep, hold or cycle is
projected through the recommended camera with tracker-like noise. The engine must count it
exactly (reps and cycles), time its holds within 0.5 s, name the side, find each fault on
the rep it was acted on and on no other, and give the cadence of cyclic exercises.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from formcheck.analyze.track import analyze_track
from formcheck.cli.main import app
from formcheck.rules.engine import ExerciseEngine, FrameInput
from formcheck.rules.exercise import ExerciseFileError, builtin_exercises, get_exercise, load_exercise_file
from formcheck.report.build import build_report
from formcheck.synth.generate import CameraSpec, TrackerNoise, synthetic_track
from formcheck.synth.motion import MOTIONS, ORIGINAL_MOTIONS, FaultInjection
from formcheck.synth.sets import library_script, library_set

from conftest import ROOT

#: Every exercise id of ../shared/EXERCISES.md (the product's requirements), with its kind.
CATALOGUE = {
    "clamshell": "reps", "reverse_clamshell": "reps", "hip_flexor_stretch_kneeling": "hold",
    "side_lying_hip_abduction": "reps", "side_lying_leg_raise": "reps", "prone_hip_extension": "reps",
    "bridge": "reps", "single_leg_bridge": "reps", "hip_thrust": "reps", "fire_hydrant": "reps",
    "donkey_kick": "reps", "standing_hip_extension": "reps", "standing_hip_abduction": "reps",
    "seated_hip_rotation": "reps", "butterfly_stretch_seated": "hold", "butterfly_stretch_supine": "hold",
    "pelvic_tilt": "reps", "quadriceps_stretch": "hold", "knee_to_chest": "hold", "yoga_squat": "hold",
    "leg_swing": "cyclic", "pigeon_pose": "hold", "figure_four_stretch": "hold",
    "hip_flexor_stretch_standing": "hold", "banded_walk": "cyclic", "stationary_bike": "cyclic",
    "elliptical": "cyclic", "rowing_machine": "cyclic",
}
LIBRARY = sorted(set(CATALOGUE) - set(ORIGINAL_MOTIONS))
FPS = 20.0  # fewer frames than the 24-30 of real video keep this file fast; the rules are fps-free


def _perform(exercise: str, side: str, with_faults: bool, seed: int):
    """Each scripted fault on its own rep/hold/cycle (2, 3, ...), a clean one first and last."""
    motion = MOTIONS[exercise]
    checked = {f.code for f in get_exercise(exercise).faults}
    codes = [c for c in motion.fault_codes if c in checked] if with_faults else ()
    faults = tuple(FaultInjection(code, reps=(i + 2,)) for i, code in enumerate(codes))
    extra = {"hold_s": 2.0} if motion.kind == "hold" else {}
    n = len(codes) + 2 if motion.kind != "cyclic" else max(len(codes) + 2, 5)  # cadence needs a few periods
    script = library_script(exercise, side, faults, seed=seed, fps=FPS, reps=n, **extra)
    track, perf = synthetic_track(script, CameraSpec(), TrackerNoise(seed=seed + 1))
    return analyze_track(get_exercise(exercise), track), perf, script


def test_every_catalogue_exercise_is_built_in_with_a_motion_script():
    catalogue = builtin_exercises()
    assert set(catalogue) == set(CATALOGUE)
    assert set(MOTIONS) == set(CATALOGUE)
    for ex_id, kind in CATALOGUE.items():
        ex = catalogue[ex_id]
        assert ex.kind == kind, ex_id
        assert MOTIONS[ex_id].kind == kind, ex_id
        assert ex.view == MOTIONS[ex_id].view, ex_id
        assert ex.sided == MOTIONS[ex_id].sided, ex_id
        codes = {f.code for f in ex.faults}
        assert codes <= set(MOTIONS[ex_id].fault_codes), ex_id  # every checked fault is acted out
        if set(MOTIONS[ex_id].fault_codes) - codes:  # acted out but judged not checkable: said so
            assert ex.unchecked, ex_id
        if ex.sided:
            assert ex.dosage.each_side, ex_id
        assert ex.setup and ex.camera and ex.dosage.text, ex_id


def test_catalogue_matches_the_shared_requirements_when_present():
    text = ROOT.parent / "shared" / "EXERCISES.md"
    if not text.exists():
        pytest.skip("../shared/EXERCISES.md is not present")
    rows = [line.split("|")[1].strip() for line in text.read_text().splitlines()
            if line.startswith("| ") and not line.startswith("| id") and "---" not in line]
    assert set(rows) == set(CATALOGUE)


def test_exercises_json_lists_all_28():
    result = CliRunner().invoke(app, ["exercises", "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    assert {e["id"] for e in entries} == set(CATALOGUE)
    for e in entries:
        for key in ("id", "name", "kind", "view", "dosage", "faults", "not_checked", "confidence"):
            assert key in e, (e["id"], key)
        assert e["dosage"]["text"]
        for f in e["faults"]:
            assert f["cue"] and f["confidence"] in ("high", "medium", "low")


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("exercise", LIBRARY)
def test_counts_holds_cycles_sides_and_faults(exercise, side):
    with_faults = side == "left"  # the right-side run is all clean: no fault may fire
    res, perf, script = _perform(exercise, side, with_faults, seed=11 if with_faults else 23)
    eng = res.engine
    kind = MOTIONS[exercise].kind
    truth = {(f["code"], f.get("rep", f.get("hold"))) for f in perf.faults}
    if kind == "hold":
        assert eng.reps == []
        assert len(eng.holds) == len(perf.holds)
        names_side = get_exercise(exercise).hold.side_signal is not None  # else said in not_checked
        for got, want in zip(eng.holds, perf.holds):
            assert got.duration_s == pytest.approx(want["end_s"] - want["start_s"], abs=0.5)
            assert got.start_s == pytest.approx(want["start_s"], abs=0.5)
            assert got.side == (want["side"] if names_side else None)
        found = {(f.code, i) for i, h in enumerate(eng.holds, 1) for f in h.faults}
    else:
        assert len(eng.reps) == len(perf.reps)
        assert [r.side for r in eng.reps] == [r["side"] for r in perf.reps]
        for got, want in zip(eng.reps, perf.reps):
            assert got.start_s - 0.35 <= want["peak_s"] <= got.end_s + 0.35
        found = {(f.code, r.index) for r in eng.reps for f in r.faults}
    assert found == truth
    if kind == "cyclic":
        period = script.rise_s + script.lower_s + script.hold_s + script.rest_s
        summary = eng.cycle_summary()
        assert summary["cycles"] == len(perf.reps)
        assert summary["cadence_per_min"] == pytest.approx(60.0 / period, rel=0.05)
        assert summary["active_s"] == pytest.approx(len(perf.reps) * period, abs=period)
        assert all(r.cadence_per_min == pytest.approx(60.0 / period, rel=0.12) for r in eng.reps)


def test_holds_are_timed_without_getting_into_and_out_of_position():
    """A slow approach (1.6 s) to a small-range stretch is not counted as holding."""
    script = library_script("hip_flexor_stretch_standing", "left", fps=FPS, reps=1, hold_s=4.0, rise_s=1.6,
                            lower_s=1.6)
    track, perf = synthetic_track(script, CameraSpec(), TrackerNoise(seed=5))
    holds = analyze_track(get_exercise("hip_flexor_stretch_standing"), track).engine.holds
    assert len(holds) == 1
    assert holds[0].duration_s == pytest.approx(4.0, abs=0.5)


@pytest.mark.parametrize("exercise", ["stationary_bike", "leg_swing"])
def test_cadence_follows_the_tempo(exercise):
    for down in (0.3, 0.7):
        script = library_script(exercise, "left", fps=30.0, reps=6, rise_s=down, lower_s=down)
        track, _ = synthetic_track(script, CameraSpec(), TrackerNoise(seed=9))
        eng = analyze_track(get_exercise(exercise), track).engine
        assert len(eng.reps) == 6, down
        assert eng.cycle_summary()["cadence_per_min"] == pytest.approx(60.0 / (2 * down), rel=0.05)


def test_bike_knee_at_the_bottom_of_the_stroke_at_a_fast_cadence():
    """90 rpm: the peak knee angle must not be flattened by smoothing into a false verdict."""
    faults = (FaultInjection("knee_straight_at_bottom", reps=(3,)), FaultInjection("knee_too_bent_at_bottom", reps=(5,)))
    script = library_script("stationary_bike", "left", faults, fps=30.0, reps=6, rise_s=0.33, lower_s=0.33)
    track, perf = synthetic_track(script, CameraSpec(), TrackerNoise(seed=4))
    eng = analyze_track(get_exercise("stationary_bike"), track).engine
    assert len(eng.reps) == 6
    assert {(f.code, r.index) for r in eng.reps for f in r.faults} == {
        ("knee_straight_at_bottom", 3), ("knee_too_bent_at_bottom", 5)}
    clean = [r.peak_value for r in eng.reps if not r.faults]
    assert all(140 <= v <= 160 for v in clean), clean  # "slightly bent at the lowest point"


def test_both_sides_and_pauses_make_bouts_of_cycles():
    """Leg swings, 4 on the left then 4 on the right after a pause: per side, one cadence."""
    from formcheck.synth.generate import place_camera, track_from_performance
    from formcheck.synth.motion import Performance, perform

    parts = [perform(library_script("leg_swing", side, fps=FPS, reps=4)) for side in ("left", "right")]
    shift = parts[0].t_s[-1] + 1.0 / FPS
    joints = np.concatenate([parts[0].joints3d, parts[1].joints3d])
    t = np.concatenate([parts[0].t_s, parts[1].t_s + shift])
    both = Performance(t, joints, [], [], [], "leg_swing", None)
    track = track_from_performance(both, place_camera(parts[0]), TrackerNoise(seed=6))
    res = analyze_track(get_exercise("leg_swing"), track)
    summary = res.engine.cycle_summary()
    assert summary["by_side"] == {"left": 4, "right": 4, "both": 0}
    assert summary["bouts"] == 2
    assert summary["cadence_per_min"] == pytest.approx(60.0 / 1.1, rel=0.05)
    report = build_report(res, "synthetic")
    assert report["summary"]["cycles"]["cycles"] == 8
    assert all("cadence_per_min" in r for r in report["reps"])


def test_one_side_only_is_reported_for_sided_exercises():
    res, _, _ = _perform("standing_hip_abduction", "right", False, seed=2)
    verdict = build_report(res, "synthetic")["summary"]["dosage"]["verdict"]
    assert any("Only the right side was done" in line and "(left)" in line for line in verdict), verdict


def test_sided_holds_name_their_side_or_say_why_not():
    for ex in builtin_exercises().values():
        if ex.kind == "hold" and ex.sided:
            assert ex.hold.side_signal or any("side" in u for u in ex.unchecked), ex.id


def test_holds_report_their_side():
    res, perf, _ = _perform("knee_to_chest", "right", False, seed=3)
    report = build_report(res, "synthetic")
    assert report["summary"]["holds_by_side"] == {"left": 0, "right": len(perf.holds), "both": 0}


def test_hold_from_the_first_to_the_last_frame():
    """A clip that is all hold (like the real kneeling-stretch clip): timed from end to end."""
    script = library_script("hip_flexor_stretch_kneeling", "left", fps=30.0, reps=1, hold_s=3.0, lead_in_s=0.0,
                            rise_s=0.01, lower_s=0.01, lead_out_s=0.0)
    track, perf = synthetic_track(script, CameraSpec(), TrackerNoise(seed=8))
    cut = track.slice(1, int(np.searchsorted(track.t_s, perf.holds[0]["end_s"])))  # starts and ends holding
    holds = analyze_track(get_exercise("hip_flexor_stretch_kneeling"), cut).engine.holds
    assert len(holds) == 1
    assert holds[0].duration_s == pytest.approx(cut.t_s[-1] - cut.t_s[0], abs=0.2)


def test_library_set_covers_every_other_exercise_and_fault():
    specs = library_set()
    names = {s.name for s in specs}
    for ex in LIBRARY:
        sides = [s for s in specs if s.script.exercise == ex]
        assert any(s.name.startswith(f"{ex}_clean_") for s in sides), ex
        for f in get_exercise(ex).faults:
            assert any(n.startswith(f"{ex}_{f.code}_") for n in names), (ex, f.code)


# --------------------------------------------------------------------------------------------
# Engine details the library relies on


def _frames(values: list[list[float]], name: str = "v", dt: float = 0.05):
    return [FrameInput(i * dt, {name: np.array(v, float).reshape(-1, 1)}, np.zeros((2, 2)))
            for i, v in enumerate(values)]


def _custom(tmp_path, text: str):
    path = tmp_path / "ex.toml"
    path.write_text(text)
    return load_exercise_file(path)


CYCLIC = '''
id = "pedal"
name = "Pedal"
kind = "cyclic"
view = "side"
setup = "Side view."
[dosage]
text = "10 minutes"
duration_min = [10, 10]
[signals.v]
measure = "angle"
points = ["hip", "knee", "ankle"]
sides = "working"
[rep]
signal = "v"
min_rom = 20
min_duration_s = 0.3
'''


def test_a_side_first_seen_later_does_not_block_counting(tmp_path):
    """NaN in one side on the first frame used to freeze that side's rest level at NaN."""
    ex = _custom(tmp_path, CYCLIC.replace('kind = "cyclic"', 'kind = "reps"'))
    wave = [90 + 40 * (1 - np.cos(2 * np.pi * k / 20)) for k in range(80)]
    values = [[np.nan if k == 0 else 90.0, w] for k, w in enumerate(wave)]
    eng = ExerciseEngine(ex)
    for f in _frames(values):
        eng.update(f)
    eng.finish()
    assert len(eng.reps) == 4


def test_cyclic_session_ending_mid_range_keeps_its_last_cycle(tmp_path):
    ex = _custom(tmp_path, CYCLIC)
    wave = [90 + 40 * (1 - np.cos(2 * np.pi * k / 20)) for k in range(75)]  # stops a third of the way down
    eng = ExerciseEngine(ex)
    for f in _frames([[w, 90.0] for w in wave]):
        eng.update(f)
    eng.finish()
    assert len(eng.reps) == 4
    assert eng.cycle_summary()["cadence_per_min"] == pytest.approx(60.0, rel=0.03)


HOLD = '''
id = "my_stretch"
name = "My stretch"
kind = "hold"
view = "side"
sided = true
setup = "Side view."
key_signal = "knee"
[dosage]
text = "hold 20 s each side"
hold_s = [20, 20]
each_side = true
[signals.knee]
measure = "angle"
points = ["hip", "knee", "ankle"]
sides = "working"
[hold]
position = [{ signal = "knee", below = 75 }]
settle_speed = 15
side_signal = "knee"
side_pick = "min"
'''


def test_custom_hold_file_times_the_stretch_and_names_the_side(tmp_path):
    ex = _custom(tmp_path, HOLD)
    script = library_script("quadriceps_stretch", "right", fps=FPS, reps=2, hold_s=3.0)
    track, perf = synthetic_track(script, CameraSpec(), TrackerNoise(seed=12))
    holds = analyze_track(ex, track).engine.holds
    assert [h.side for h in holds] == ["right", "right"]
    for got, want in zip(holds, perf.holds):
        assert got.duration_s == pytest.approx(want["end_s"] - want["start_s"], abs=0.5)


@pytest.mark.parametrize("edit,field", [
    (('side_pick = "min"', 'side_pick = "lowest"'), "hold.side_pick"),
    (('settle_speed = 15', 'settle_speed = -1'), "hold.settle_speed"),
    (('position = [{ signal = "knee", below = 75 }]', 'position = [{ signal = "knee" }]'), "hold.position[0].above"),
    (('position = [{ signal = "knee", below = 75 }]', 'position = []'), "hold.position"),
    (('sides = "working"', 'sides = "visible"'), "hold.side_signal"),
    (('each_side = true', 'each_side = true\nduration_min = "long"'), "dosage.duration_min"),
    (('setup = "Side view."', 'setup = "Side view."\nsmoothing_hz = 100'), "smoothing_hz"),
    (('side_pick = "min"', 'side_pick = "min"\n\n[[faults]]\ncode = "x"\nsignal = "knee"\ncheck = "peak"\n'
      'above = 1\nmessage = "m"\ncue = "c"'), "faults[0].check"),
    (('setup = "Side view."', 'setup = "Side view."\nnot_checked = [1]'), "not_checked"),
])
def test_bad_hold_files_name_the_field(tmp_path, edit, field):
    old, new = edit
    assert old in HOLD
    with pytest.raises(ExerciseFileError) as info:
        _custom(tmp_path, HOLD.replace(old, new, 1))
    assert field in str(info.value) and "\n" not in str(info.value)
