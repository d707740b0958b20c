"""Training: fit and resume (`fit.py`), the epochs, the batches of one epoch, optimizers, the state a
resume needs, interrupts, several processes, and the device; `command.py` is what `rnncli train` runs."""
