"""Exercises as data: the built-in catalogue validates, custom files count, bad files fail clearly."""

from __future__ import annotations

import pytest

from formcheck.analyze.track import analyze_track
from formcheck.rules.exercise import ExerciseFileError, builtin_exercises, load_exercise_file
from formcheck.synth.generate import synthetic_track
from formcheck.synth.motion import MotionScript

CUSTOM = '''
id = "my_glute_bridge"
name = "Glute bridge <b>(custom)</b>"
kind = "reps"
view = "side"
setup = "Camera at your side."

[dosage]
text = "8-12 reps"
reps = [8, 12]

[signals.hips_up_deg]
measure = "ceiling_angle"
points = ["shoulder", "hip", "knee"]
sides = "visible"

[rep]
signal = "hips_up_deg"
min_rom = 15

[[faults]]
code = "low_hips"
signal = "hips_up_deg"
check = "peak"
below = 165
message = "Hips low"
cue = "Lift higher"
'''


def test_builtin_catalogue_is_valid():
    catalogue = builtin_exercises()
    assert {"bridge", "clamshell", "prone_hip_extension", "side_lying_hip_abduction"} <= set(catalogue)
    for ex in catalogue.values():
        # Some exercises have no fault in the articles (a stretch held, a machine): they say why.
        assert ex.faults or ex.note, ex.id
        assert ex.dosage.text
        assert all(f.cue and f.message for f in ex.faults), ex.id


def test_custom_exercise_from_a_data_file_counts(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(CUSTOM)
    ex = load_exercise_file(path)
    track, perf = synthetic_track(MotionScript("bridge", reps=5, seed=3))
    result = analyze_track(ex, track)
    assert len(result.engine.reps) == 5
    assert not any(r.faults for r in result.engine.reps)


@pytest.mark.parametrize("edit,field", [
    (('min_rom = 15', 'min_rom = "fifteen"'), "rep.min_rom"),
    (('points = ["shoulder", "hip", "knee"]', 'points = ["shoulder", "hip", "kneecap"]'), "signals.hips_up_deg.points"),
    (('below = 165', 'below = 1e300'), "faults[0].below"),
    (('kind = "reps"', 'kind = "__import__(\'os\')"'), "kind"),
    (('signal = "hips_up_deg"\ncheck', 'signal = "nope"\ncheck'), "faults[0].signal"),
    (('cue = "Lift higher"', 'cue = "Lift higher"\nexec = "rm -rf /"'), "faults[0].exec"),
    (('cue = "Lift higher"', 'cue = "Lift higher"\n\n[rep.nested]\ndeep = { a = { b = { c = 1 } } }'), "rep.nested"),
])
def test_bad_custom_files_name_the_field(tmp_path, edit, field):
    old, new = edit
    assert old in CUSTOM
    path = tmp_path / "bad.toml"
    path.write_text(CUSTOM.replace(old, new, 1))
    with pytest.raises(ExerciseFileError) as info:
        load_exercise_file(path)
    message = str(info.value)
    assert field in message and "\n" not in message


def test_not_toml_at_all(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("id = [unclosed\n")
    with pytest.raises(ExerciseFileError, match="not valid TOML"):
        load_exercise_file(path)


def test_names_side_only_where_the_camera_can_tell():
    """Figure four times the pulled thigh; which leg is crossed is not seen, so no side is reported (or guessed)."""
    from formcheck.rules.exercise import get_exercise

    assert not get_exercise("figure_four_stretch").names_side
    assert not get_exercise("bridge").names_side  # bilateral
    assert get_exercise("pigeon_pose").names_side  # a sided hold with a side_signal
    assert get_exercise("clamshell").names_side
