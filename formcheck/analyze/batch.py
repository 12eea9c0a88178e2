"""Batch analysis: many videos, one report folder each, and a summary table.

``formcheck analyze DIR_OR_GLOB --exercise ID --jobs N`` lands here. Each video goes through
the same :func:`formcheck.analyze.video.analyze_video` as a single ``analyze`` (so a batch report is
the report one would get alone), in its own output folder ``OUT/<video name>/``. Videos run in
parallel in a process pool (``concurrent.futures.ProcessPoolExecutor``, spawned workers, each
creating its own pose estimator per video). A failure on one video (unreadable file, nobody in
view, even a crashed worker) is recorded in its row of the summary (``OUT/batch_summary.json``
and ``.csv``: video, reps, faults, warnings, status, ...) and the others go on.

For more videos than one machine can take, ``ray=ADDRESS`` runs the same per-video function
(:func:`analyze_one`) as Ray tasks (``pip install 'formcheck[ray]'``); videos, output folder and
formcheck must be at the same paths on every node (shared storage).

What counts as a batch, and which videos it holds, is :mod:`formcheck.analyze.batch_inputs`.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

from formcheck.errors import FormcheckError, InputError
from formcheck.rules.exercise import Exercise
from formcheck.analyze.batch_inputs import VIDEO_EXTENSIONS, default_batch_out, find_videos, is_batch_input  # noqa: F401 (the batch API)

SUMMARY_JSON = "batch_summary.json"
SUMMARY_CSV = "batch_summary.csv"
SUMMARY_COLUMNS: tuple[str, ...] = ("video", "status", "exercise", "side", "confidence", "reps", "holds", "faults",
                                    "warnings", "seconds", "out_dir", "error")
#: Attempts per video on Ray when its worker dies (Ray's max_retries = MAX_ATTEMPTS - 1).
MAX_ATTEMPTS = 2
#: ``--ray local``'s object store: tasks pass a job and a row, never frames (Ray's default: 30 % of RAM).
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class BatchJob:
    """One video to analyse: everything a worker process needs (picklable)."""

    video: str
    out_dir: str
    exercise: Exercise | None  # None: --exercise auto (formcheck.analyze.batch_auto)
    model: str = "full"
    video_out: bool = True
    stride: int = 1
    force: bool = False


@dataclass
class BatchRow:
    """One line of the summary. ``status``: "ok", "failed" or, --exercise auto, "unsure" (``error`` says why)."""

    video: str
    out_dir: str
    status: str = "failed"
    exercise: str | None = None  # the id given, or recognised (several sets: "bridge, clamshell")
    side: str | None = None  # recognised (auto)
    confidence: float | None = None  # of the recognition (auto; several sets: the lowest)
    reps: int | None = None
    holds: int | None = None
    faults: int | None = None
    warnings: int | None = None
    seconds: float | None = None
    error: str | None = None
    # not in the summary files: the whole report, for callers in the same process
    report: dict | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k in SUMMARY_COLUMNS}


# --------------------------------------------------------------------------- what to analyse


def report_folders(videos: Sequence[Path], out_dir: Path) -> list[Path]:
    """``out_dir/<video name>`` for each video; a name already taken gets ``-2``, ``-3``..."""
    used: set[str] = {SUMMARY_JSON.lower(), SUMMARY_CSV.lower()}
    folders = []
    for v in videos:
        base = v.stem if v.suffix else v.name
        base = base or "clip"
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name.lower())
        folders.append(Path(out_dir) / name)
    return folders


# --------------------------------------------------------------------------- one video


def analyze_one(job: BatchJob) -> BatchRow:
    """Analyse one video into ``job.out_dir``; never raises: a failure is the row's ``error``.

    The function every backend runs (in-process, a pool worker, a Ray task).
    """
    from formcheck.analyze.video import analyze_video

    def work(row: BatchRow, target: Path) -> None:
        analysis = analyze_video(Path(job.video), job.exercise, target, job.model,
                                 video_out=job.video_out, stride=job.stride)
        report = analysis.report
        row.status, row.exercise = "ok", job.exercise.id
        row.reps = int(report["summary"]["rep_count"])
        row.holds = len(report["holds"])
        row.faults = int(sum(report["summary"]["faults"].values()))
        row.warnings = len(report["tracking"]["warnings"])
        row.report = report

    return run_row(job, work)


def run_row(job: BatchJob, work: Callable[[BatchRow, Path], None]) -> BatchRow:
    """One batch row: prepare the output folder, let ``work`` fill the row, time it; never raises.

    Shared by the named-exercise and the ``--exercise auto`` batch, so both say a failure the same way.
    """
    from formcheck.analyze.video import prepare_out_dir

    row = BatchRow(job.video, job.out_dir)
    start = time.perf_counter()
    try:
        work(row, prepare_out_dir(Path(job.out_dir), job.force))
    except FormcheckError as exc:  # InputError included: the user's problem, said in one line
        row.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one video's failure must not end the batch
        row.error = f"internal error: {type(exc).__name__}: {exc}"
    row.seconds = round(time.perf_counter() - start, 2)
    return row


def _crashed(job: BatchJob, why: str) -> BatchRow:
    return BatchRow(job.video, job.out_dir, error=why)


# --------------------------------------------------------------------------- backends


def _worker_init() -> None:
    """Quiet native logs in a fresh worker (the parent's environment is inherited anyway)."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "8")
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _pool_round(todo: list[int], jobs: list[BatchJob], workers: int, rows: dict[int, BatchRow],
                on_row: Callable[[BatchRow], None], worker: Callable[[BatchJob], BatchRow]) -> list[int]:
    """Run ``todo`` in one process pool; returns the jobs that were lost when a worker died."""
    broken: list[int] = []
    # spawn, not fork: the parent may already run threads (cv2, a prefetch reader, mediapipe),
    # and forking a threaded process can deadlock the child.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context,
                             initializer=_worker_init) as pool:
        futures: dict[Future, int] = {pool.submit(worker, jobs[i]): i for i in todo}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures[fut]
                    try:
                        row = fut.result()
                    except BrokenProcessPool:
                        broken.append(i)
                        continue
                    except Exception as exc:  # noqa: BLE001 - e.g. a result that would not pickle
                        row = _crashed(jobs[i], f"internal error: {type(exc).__name__}: {exc}")
                    rows[i] = row
                    on_row(row)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return sorted(broken)


def _run_pool(jobs: list[BatchJob], workers: int, on_row: Callable[[BatchRow], None],
              worker: Callable[[BatchJob], BatchRow]) -> dict[int, BatchRow]:
    """The jobs in a process pool of ``workers``.

    A worker process that dies (a crash in native code, the out-of-memory killer) breaks the
    pool for every video in flight, so those are tried again, each alone in a fresh process:
    a video that kills its worker even then is the culprit and is recorded as failed.
    """
    rows: dict[int, BatchRow] = {}
    lost = _pool_round(list(range(len(jobs))), jobs, workers, rows, on_row, worker)
    for i in lost:
        if _pool_round([i], jobs, 1, rows, on_row, worker):
            rows[i] = _crashed(jobs[i], "the worker process died while analysing this video "
                                        "(a crash, or out of memory)")
            on_row(rows[i])
    return rows


def _run_ray(jobs: list[BatchJob], address: str, on_row: Callable[[BatchRow], None],
             worker: Callable[[BatchJob], BatchRow]) -> dict[int, BatchRow]:
    """The jobs as Ray tasks (one CPU each). Uses Ray if it is already initialised, else ``ray.init(address)``.

    ``address``: "auto" (the cluster this machine belongs to, started with ``ray start``),
    "local" (start a Ray instance on this machine), or a cluster address ("ray://host:10001",
    "host:6379").
    """
    try:
        import ray
    except ImportError:
        raise InputError("--ray needs Ray: pip install 'formcheck[ray]'") from None
    started = False
    if not ray.is_initialized():
        try:
            local = address == "local"
            ray.init(address=None if local else address, include_dashboard=False, log_to_driver=False,
                     object_store_memory=LOCAL_OBJECT_STORE_BYTES if local else None)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise InputError(f"could not connect to Ray at {address!r}: {exc}; start a cluster with "
                             f"'ray start --head', or use --ray local") from None
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=MAX_ATTEMPTS - 1)(worker)
        refs = {task.remote(job): i for i, job in enumerate(jobs)}
        rows: dict[int, BatchRow] = {}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                i = refs[ref]
                try:
                    row = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - a dead worker or node: this video fails
                    row = _crashed(jobs[i], f"the Ray task failed: {type(exc).__name__}: {str(exc)[:300]}")
                rows[i] = row
                on_row(row)
        return rows
    finally:
        if started:
            ray.shutdown()


# --------------------------------------------------------------------------- the batch


def run_batch(videos: Sequence[str | Path], exercise: Exercise | None, out_dir: str | Path, *, model: str = "full",
              jobs: int = 1, video_out: bool = True, stride: int = 1, force: bool = False,
              ray: str | None = None, on_row: Callable[[BatchRow], None] | None = None,
              worker: Callable[[BatchJob], BatchRow] = analyze_one) -> list[BatchRow]:
    """Analyse ``videos`` into ``out_dir/<name>/`` and write the summary files; rows in input order.

    ``jobs``: worker processes (1 = in this process, no pool). ``ray``: run on Ray instead (see
    `_run_ray`). ``on_row`` is called as each video finishes (in completion order). ``worker``
    is the per-video function (tests swap it; it must be picklable for a pool).
    """
    if not videos:
        raise InputError("no videos to analyse")
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InputError(f"--jobs must be a whole number >= 1, got {jobs!r}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"output path {out_dir} is a file, not a folder: choose another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder {out_dir}: {exc.strerror or exc}") from None
    folders = report_folders([Path(v) for v in videos], out_dir)
    # absolute paths: pool and Ray workers may run elsewhere (another cwd, another node)
    batch = [BatchJob(os.path.abspath(v), os.path.abspath(f), exercise, model, video_out, stride, force)
             for v, f in zip(videos, folders)]
    given = {job.video: str(v) for job, v in zip(batch, videos)}

    def note(row: BatchRow) -> None:
        row.video = given.get(row.video, row.video)  # as the user wrote it, not the worker's absolute path
        if on_row is not None:
            on_row(row)

    if ray:
        rows = _run_ray(batch, ray, note, worker)
    elif jobs == 1 or len(batch) == 1:
        rows = {}
        for i, job in enumerate(batch):
            rows[i] = worker(job)
            note(rows[i])
    else:
        rows = _run_pool(batch, jobs, note, worker)
    ordered = [rows[i] for i in range(len(batch))]
    write_summary(ordered, out_dir)
    return ordered


def write_summary(rows: Sequence[BatchRow], out_dir: Path) -> tuple[Path, Path]:
    """``batch_summary.json`` (totals and one entry per video) and ``batch_summary.csv``."""
    from formcheck.report.build import write_json_atomic

    out_dir = Path(out_dir)
    ok = [r for r in rows if r.status == "ok"]
    summary = {
        "videos": len(rows),
        "ok": len(ok),
        "failed": sum(r.status == "failed" for r in rows), "unsure": sum(r.status == "unsure" for r in rows),
        "reps": sum(r.reps or 0 for r in ok),
        "faults": sum(r.faults or 0 for r in ok),
        "results": [r.to_dict() for r in rows],
    }
    json_path, csv_path = out_dir / SUMMARY_JSON, out_dir / SUMMARY_CSV
    write_json_atomic(json_path, summary)
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(SUMMARY_COLUMNS)
    for r in rows:
        d = r.to_dict()
        w.writerow(["" if d[c] is None else d[c] for c in SUMMARY_COLUMNS])
    tmp = csv_path.with_name(f".{csv_path.name}.partial")
    tmp.write_text(text.getvalue(), encoding="utf-8")
    os.replace(tmp, csv_path)
    return json_path, csv_path


def summary_lines(rows: Sequence[BatchRow]) -> list[str]:
    """One line per failed video (for the terminal, under the table; an unsure recognition is not a failure)."""
    return [f"{r.video}: {r.error}" for r in rows if r.status == "failed"]


__all__ = ["BatchJob", "BatchRow", "VIDEO_EXTENSIONS", "SUMMARY_JSON", "SUMMARY_CSV", "analyze_one", "default_batch_out",
           "find_videos", "is_batch_input", "report_folders", "run_batch", "summary_lines", "write_summary"]
