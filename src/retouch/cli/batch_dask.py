"""``retouch batch TASK INPUT -o OUTPUT``: a whole folder through one task, on Dask.

Every task has its ``batch`` form, with the options of its own command (``--method``,
``-O``, ``--mask`` for erase, the promoted flags) built by the same functions
(``cli.task_cli``), plus where to run (``--workers N`` on this machine, or
``--scheduler ADDRESS`` of a running cluster), ``--resume``, ``--retries`` and
``--dashboard``. INPUT, OUTPUT and the masks are folders or fsspec URLs. Exit codes as
everywhere: 0 all done, 1 some photos failed (listed at the end), 2 a bad argument
(one line), 130 interrupted (the manifest holds every photo finished so far).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from tqdm import tqdm

from retouch.cli.batch import add_encoding_arguments, bounded_int
from retouch.cli.task_cli import (
    add_task_arguments,
    method_options,
    photo_settings,
    task_description,
)
from retouch.core.errors import InputError
from retouch.core.tasks import all_tasks
from retouch.distributed.cluster import DEFAULT_RETRIES, INSTALL

COMMAND = "batch"


def add_parser(sub) -> None:
    """``retouch batch`` with one sub-command per task."""
    p = sub.add_parser(
        COMMAND,
        help="run a task on a whole folder on a Dask cluster (resumable)",
        description="Run TASK on every photo in the folder INPUT with Dask: worker "
        "processes on this machine (--workers) or a running cluster (--scheduler). "
        "A manifest of every photo is written into OUTPUT as results arrive; --resume "
        f"skips the photos already done. Needs the batch extra: {INSTALL}.",
    )
    tasks = p.add_subparsers(dest="batch_task", metavar="TASK", required=True)
    for spec in all_tasks():
        t = tasks.add_parser(spec.verb, help=spec.summary, description=task_description(spec))
        t.add_argument("input", metavar="INPUT", help="folder of photos (path or fsspec URL)")
        t.add_argument("-o", "--output", required=True, help="output folder (path or fsspec URL)")
        add_encoding_arguments(t)
        add_task_arguments(t, spec, path_type=str)
        _add_engine_arguments(t)
        t.set_defaults(batch_spec=spec)


def _add_engine_arguments(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=bounded_int(1, 1024),
        default=None,
        metavar="N",
        help="worker processes of a cluster on this machine (default: one per core)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="join the running cluster of this scheduler, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument(
        "--resume", action="store_true", help="skip photos the manifest has done, unchanged"
    )
    p.add_argument(
        "--retries",
        type=bounded_int(0, 100),
        default=DEFAULT_RETRIES,
        metavar="K",
        help="run a photo again up to K times after its worker died or an unexpected "
        "error (default %(default)s)",
    )
    p.add_argument(
        "--dashboard", action="store_true", help="serve Dask's dashboard and print its address"
    )


def run(args: argparse.Namespace) -> int:
    """Check everything, start or join the cluster, run the batch, report."""
    from retouch.distributed.api import execute, prepare_batch
    from retouch.distributed.cluster import open_client, require_dask

    spec = args.batch_spec
    require_dask()  # imported first: it sets up its loggers on import
    if not args.verbose:  # Dask's own INFO lines (cluster start, workers) only with -v
        logging.getLogger("distributed").setLevel(logging.WARNING)
    prepared = prepare_batch(
        spec.verb,
        args.input,
        args.output,
        method=args.method,
        mask=getattr(args, "mask", None),
        source=getattr(args, "source", None),
        settings=photo_settings(args),
        options=_options(args, spec),
    )
    with open_client(
        scheduler=args.scheduler,
        workers=args.workers,
        dashboard=args.dashboard,
        retries=args.retries,
    ) as client:
        if args.dashboard:
            print(f"retouch: Dask dashboard at {client.dashboard_link}", file=sys.stderr)
        with _Bar(len(prepared.jobs), f"batch {spec.verb}") as bar:
            summary = execute(
                prepared, client, resume=args.resume, retries=args.retries, progress=bar
            )
    return _report(summary)


def _options(args: argparse.Namespace, spec) -> dict:
    """The method's options as the task's own command reads them."""
    if getattr(args, "svg", False):
        raise InputError(f"--svg is not done by retouch batch yet; use retouch {spec.verb} --svg")
    if spec.kind == "transform":
        from retouch.cli.transform import transform_options

        return transform_options(args, spec)
    return method_options(args, spec)


class _Bar:
    """The progress bar on stderr: photos done, failed and skipped, photos/s, time left."""

    def __init__(self, total: int, desc: str):
        self.bar = tqdm(total=total, desc=desc, unit="photo", file=sys.stderr)
        self.failed = self.skipped = 0

    def __call__(self, record: dict[str, Any]) -> None:
        self.failed += record["status"] == "failed"
        self.skipped += record["status"] == "skipped"
        self.bar.set_postfix(failed=self.failed, skipped=self.skipped, refresh=False)
        self.bar.update(1)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


def _report(summary) -> int:
    """The failed photos, one line each, then the counts; 1 if any failed."""
    for path, reason in summary.failed:
        print(f"retouch: error: {path}: {reason}", file=sys.stderr)
    print(
        f"retouch: {summary.done} done, {summary.skipped} skipped, {len(summary.failed)} "
        f"failed of {summary.total} photos in {summary.seconds:.1f} s; "
        f"manifest: {summary.manifest}",
        file=sys.stderr,
    )
    return 1 if summary.failed else 0
