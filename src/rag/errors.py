"""The one exception type users see.

Every error a user can cause (bad file, empty query, missing or mismatched index, unknown
model) is raised as ``RagError`` with a one-line message; the CLI prints that line and exits
non-zero, so a traceback always means a bug of ours rather than a mistake of theirs.
"""


class RagError(Exception):
    """A user-facing error: its message is one line that says what to do."""

    exit_code = 2


class IndexBusy(RagError):
    """Another process holds the index lock."""

    exit_code = 3
