"""Errors that name the file and line at fault: `SourceError` for one input, `BuildAborted` for many."""

from __future__ import annotations


class SitegenError(Exception):
    """Base class of every error the tool raises on purpose."""


class SourceError(SitegenError):
    """A problem in one input file, printed as `path:line: message`."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"

    def __reduce__(self):  # keep it picklable across worker processes
        return (SourceError, (self.path, self.line, self.message))


class ConfigError(SitegenError):
    """Every problem found in site.yaml, all at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    def __reduce__(self):
        return (ConfigError, (self.problems,))


class BuildAborted(SitegenError):
    """The build stopped (errors under --strict, or nothing buildable); `errors` says why."""

    def __init__(self, errors: list[SourceError] | list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __reduce__(self):
        return (BuildAborted, (self.errors,))
