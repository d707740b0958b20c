"""The failures rnncli expects, each with the exit code it maps to.

Modules raise these with a message that says what is wrong and how to fix it; only `entry.py`
turns them into a printed line and an exit code. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class RnnCliError(Exception):
    """Bad input the user must fix: arguments, config, data or checkpoint (exit code 2)."""

    exit_code = 2

    def __init__(self, message: str, *, every_process: bool = False):
        super().__init__(message)
        # raised at the same point in every training process (a stop, a divergence), so the processes
        # can still meet to leave their group in order (distributed.teardown)
        self.every_process = every_process


class TrainingFailed(RnnCliError):
    """The job ran but could not finish, for example because the loss diverged (exit code 1)."""

    exit_code = 1


class Interrupted(RnnCliError):
    """Stopped by a signal after saving what is needed to resume (exit code 130)."""

    exit_code = 130
