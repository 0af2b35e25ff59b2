"""Errors that carry a message meant for the user."""


class UsageError(Exception):
    """Bad input from the user: the CLI prints the message on one line and exits with code 2.

    The message says what is wrong and what was expected, never a traceback.
    """
