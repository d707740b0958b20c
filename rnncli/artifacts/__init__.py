"""Artifacts: run folders, atomic files, checkpoints (saved, loaded, opened for use) and exports."""
