"""The pipeline: what `train`, `sweep` and `backtest` share. A run from its config to its finished
folder (`run.py`: prepare, train, then `finish.py`: intervals, test scores, summary.json,
loss.png), the config meeting its data (`inputs.py`), trainings at earlier origins for short
validation parts, and a backtest fold's scores."""
