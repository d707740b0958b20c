"""Artifacts: run folders, atomic files, the checkpoint format (written and read in `checkpoint.py`
alone, and opened there for use) and exports."""
