"""What the app's thread workers report, in the past tense. Workers only post these; handlers own state."""

from __future__ import annotations

from textual.message import Message

from tinynas_tui.core.trial_record import TrialRecord


class EngineOpened(Message):
    """The study is open (or a new one was started): its description and every trial so far.

    ``book`` and ``ranking`` hold those trials already merged and ranked by the thread that read them
    (a 50,000-trial study costs the event loop nothing then); the handler takes them over.
    """

    def __init__(self, info: object, records: list[TrialRecord], fresh: bool = False, book: object = None,
                 ranking: object = None) -> None:
        super().__init__()
        self.info = info
        self.records = records
        self.fresh = fresh
        self.book = book
        self.ranking = ranking


class EngineFailed(Message):
    """Opening the study or switching to a new one failed."""

    def __init__(self, title: str, error: BaseException, details: str) -> None:
        super().__init__()
        self.title = title
        self.error = error
        self.details = details


class TrialEventArrived(Message):
    """A progress event from the running trial."""

    def __init__(self, event: object) -> None:
        super().__init__()
        self.event = event


class TrialsPolled(Message):
    """Trials read from storage that are new or changed (other processes' trials included)."""

    def __init__(self, records: list[TrialRecord]) -> None:
        super().__init__()
        self.records = records


class TrialRead(Message):
    """One trial read in full (None if the engine could not), for a trial the open read in summary."""

    def __init__(self, number: int, record: TrialRecord | None) -> None:
        super().__init__()
        self.number = number
        self.record = record


class StudyRunEnded(Message):
    """The study thread returned: the target was reached, or a pause or stop took effect, or (``failed``)
    the run raised (the error dialog follows)."""

    def __init__(self, failed: bool = False) -> None:
        super().__init__()
        self.failed = failed


class ExportPlanned(Message):
    """The export was planned: what it would write, skip, and overwrite."""

    def __init__(self, plan: object, folder: str) -> None:
        super().__init__()
        self.plan = plan
        self.folder = folder


class ExportWritten(Message):
    """The export was written."""

    def __init__(self, written: list[str], skipped: list[str], folder: str) -> None:
        super().__init__()
        self.written = written
        self.skipped = skipped
        self.folder = folder


class ExportFailed(Message):
    """Planning or writing the export failed (bad folder, unreadable artifact, ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class ImportanceComputed(Message):
    """Parameter importance was computed (``report``), or computing it raised (``error``)."""

    def __init__(self, report: object = None, error: BaseException | None = None) -> None:
        super().__init__()
        self.report = report
        self.error = error


class ParamsRead(Message):
    """Every trial's parameters by number, read apart from a summary open (empty if none were read)."""

    def __init__(self, params: dict[int, dict]) -> None:
        super().__init__()
        self.params = params
