"""Data: CSV reading, the time grid and its gaps, calendar features, scaling, and the series turned into
splits and windows (`prepared.py`, which train, check, predict and evaluate all use); preflight checks."""
