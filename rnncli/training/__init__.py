"""Training: fit a model to prepared data and resume it exactly (`fit.py`), the epochs
(`session.py`), one epoch's batches and a validation pass (`loop.py`), optimizers, the state a
resume needs, interrupts, several processes, and the device. Training ends when the epochs end:
it returns what it trained and knows nothing of scores, intervals or output files beyond its
checkpoints and metrics.csv."""
