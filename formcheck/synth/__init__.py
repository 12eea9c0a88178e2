"""Synthetic patients: motion scripts, landmark generation and (optionally) rendered video."""
