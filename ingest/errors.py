"""User-facing errors shared by every stage: the CLI prints the message on one line and exits with ``exit_code``."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix (bad input, missing corpus, ...). Never shown as a traceback."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
