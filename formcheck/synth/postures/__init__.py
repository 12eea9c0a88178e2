"""The kinematic body's postures for each catalogue exercise, grouped by body position.

Each posture function turns the lift fraction ``u`` and the faults being acted out into a
:class:`~formcheck.synth.body.Posture`; :mod:`formcheck.synth.motion` lists which function
performs which exercise. Every posture is laid out so that the camera placed at +z sees it
from the exercise's recommended view (see ``generate.place_camera``): standing side views
face -x or +x, front views face +z, lying side views lie along x.
"""
