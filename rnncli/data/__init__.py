"""Data: CSV reading, the time grid and its gaps, calendar features, scaling, and the series turned
into splits and windows (`prepared.py`: the one path every command reads data through); preflight
checks."""
