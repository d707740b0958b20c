"""Experiments: what composes the other packages. A run (`run.py`: train, then `finish.py`:
intervals, test scores, summary.json, loss.png), a sweep over settings, and a backtest over
rolling origins, whose folds are runs."""
