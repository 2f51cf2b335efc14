"""``retouch bench``: benchmarks that print numbers and ratios (see retouch.bench)."""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
from pathlib import Path

from tqdm import tqdm

from retouch.cli.batch import bounded_int
from retouch.core.registry import list_methods
from retouch.core.tasks import all_tasks


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="measure quality, speed and memory")
    tasks = p.add_subparsers(dest="bench_task", metavar="TASK", required=True)
    names = [m.name for m in list_methods("inpaint")]
    q = tasks.add_parser(
        "inpaint",
        help="fill quality, speed and memory per hole-size bin",
        description="Every method on every photo x mask pair; per method and hole-size bin: "
        "PSNR and SSIM over the hole and the image, the perceptual distance, the seam score "
        "and grain ratio (see below the table), seconds per megapixel and peak memory.",
    )
    q.add_argument("--images", type=Path, required=True, help="folder of clean photos")
    q.add_argument("--masks", type=Path, required=True, help="folder of binB_*.png hole masks")
    q.add_argument(
        "--methods",
        default=",".join(names),
        help=f"comma-separated methods (default: {','.join(names)})",
    )
    q.add_argument("--per-bin", type=int, default=1, help="masks per image and bin (default 1)")
    q.add_argument(
        "--bins",
        default=None,
        help="only masks of these bins, e.g. 1,2 for 10-30%% holes (default: all)",
    )
    q.add_argument(
        "--megapixels",
        type=float,
        default=None,
        help="resize every photo to this many megapixels first (speed at 1 MP)",
    )
    q.add_argument("--no-perceptual", action="store_true", help="skip the deep-feature distance")
    q.add_argument("--json", type=Path, default=None, help="write every number to this file")
    q.add_argument(
        "--sheet",
        type=Path,
        default=Path("bench_inpaint.png"),
        help="contact sheet PNG (default: %(default)s)",
    )
    g = tasks.add_parser("large", help="erase a hole in a 24 MP JPEG end to end: time, memory")
    g.add_argument("--image", type=Path, default=None, help="your own large photo (optional)")
    g.add_argument("--width", type=int, default=6000)
    g.add_argument("--height", type=int, default=4000)
    g.add_argument("--hole", type=float, default=0.05, help="hole fraction (default 0.05)")
    g.add_argument("--method", choices=names, default="patchmatch")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--json", type=Path, default=None)
    g.add_argument("--keep", type=Path, default=None, help="copy the result and mask here")
    h = tasks.add_parser(
        "halo",
        help="rough masks: erase with and without grow_halo on pasted people",
        description="People of person/dev pasted with a soft edge onto inpaint/dev photos "
        "(seeded); a rough mask (alpha >= 0.5) and a generous one (+4 px) filled with "
        "grow_halo N or a plain dilation; per setting: halo left, ghost, PSNR, far changes, s.",
    )
    h.add_argument("--data", type=Path, default=Path("../shared/data"))
    h.add_argument(
        "--count", type=bounded_int(1, 10_000), default=12, help="composites (default 12)"
    )
    h.add_argument("--seed", type=int, default=0)
    h.add_argument("--json", type=Path, default=None)
    h.add_argument("--sheet", type=Path, default=Path("bench_halo.png"))
    s = tasks.add_parser(
        "segment",
        help="milliseconds per photo of the person, face and skin methods",
        description="Median time per photo of every segmenter, photos resized to --megapixels "
        "(default: a portrait, a family photo and a 29-person group from ../shared/data; "
        "or your own with --image). Run on an idle machine.",
    )
    s.add_argument("--data", type=Path, default=Path("../shared/data"))
    s.add_argument("--image", type=Path, action="append", default=None, help="your own photo(s)")
    segmenters = [t.name for t in all_tasks() if t.returns == "mask"]
    s.add_argument("--task", action="append", choices=segmenters, default=None)
    s.add_argument("--method", action="append", default=None, help="only these methods")
    s.add_argument("--megapixels", type=float, default=1.0)
    s.add_argument("--repeat", type=int, default=5)
    s.add_argument("--json", type=Path, default=None)
    _add_batch_parser(tasks)
    _add_lineart_parser(tasks)
    _add_tattoo_parser(tasks)
    _add_people_parser(tasks)


def _add_batch_parser(tasks) -> None:
    b = tasks.add_parser(
        "batch",
        help="photos/s of retouch batch on 1 and 2 workers, and its overhead per photo",
        description="Erase strokes from N photos of about 1 MP made from the bundled sample: "
        "with the plain single-process command, then with retouch batch on a local cluster "
        "of 1 and of 2 workers (needs the batch extra). Run on an idle machine.",
    )
    b.add_argument(
        "--count",
        type=bounded_int(1, 1_000_000),
        default=200,
        metavar="N",
        help="photos (default 200)",
    )
    b.add_argument("--megapixels", type=float, default=1.0, help="size of each (default 1)")
    b.add_argument("--seed", type=int, default=0, help="seed of the photos and masks")
    b.add_argument("--method", choices=["telea", "ns", "patchmatch"], default="telea")
    b.add_argument("--json", type=Path, default=None, help="write the numbers to this file")
    b.add_argument("--keep", type=Path, default=None, help="copy the photos and results here")


def run(args: argparse.Namespace) -> int:
    runners = {"inpaint": _inpaint, "large": _large, "segment": _segment, "batch": _batch}
    runners["halo"] = _halo
    runners["lineart"] = _lineart
    runners["tattoo"] = _tattoo
    runners["people"] = _people
    return runners[args.bench_task](args)


def _halo(args: argparse.Namespace) -> int:
    from retouch.bench import halo

    bar = tqdm(total=args.count, desc="bench halo", unit="photo", file=sys.stderr)
    rows = halo.run(
        args.data / "person" / "dev",
        args.data / "inpaint" / "dev" / "images",
        count=args.count,
        seed=args.seed,
        sheet=args.sheet,
        progress=lambda done, total: bar.update(done - bar.n),
    )
    bar.close()
    summary = halo.summarise(rows)
    print(halo.format_table(summary))
    print(f"contact sheet: {args.sheet}")
    if args.json:
        meta = {"argv": sys.argv, "count": args.count, "seed": args.seed}
        args.json.write_text(json.dumps(halo.as_json(rows, summary, meta), indent=1))
    return 0


def _batch(args: argparse.Namespace) -> int:
    from retouch.bench import batch
    from retouch.distributed.cluster import require_dask

    require_dask()  # imported first: it sets up its loggers on import
    if not args.verbose:
        logging.getLogger("distributed").setLevel(logging.WARNING)
    result = batch.run(
        count=args.count,
        megapixels=args.megapixels,
        seed=args.seed,
        method=args.method,
        keep=args.keep,
    )
    print(batch.format_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


def _add_lineart_parser(tasks) -> None:
    p = tasks.add_parser(
        "lineart",
        help="s/MP of every line-art method and the cartoon, stray ink, contact sheet",
        description="Every line-art method and the cartoon on the portraits and people "
        "photos: seconds per MP, the share of ink farther than 5 px outside the person "
        "mask, and a contact sheet (photo, xdog, hed, portrait, cartoon).",
    )
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--json", type=Path, default=None, help="write every number to this file")
    p.add_argument("--sheet", type=Path, default=Path("bench_lineart.png"))


def _lineart(args: argparse.Namespace) -> int:
    from retouch.bench import lineart
    from retouch.core.io import write_image

    paths = lineart.photos([args.data / "portraits", args.data / "people"])
    bar = tqdm(total=len(paths), desc="bench lineart", unit="photo", file=sys.stderr)
    rows, sheet = lineart.run(paths, progress=lambda: bar.update())
    bar.close()
    summary = lineart.summarise(rows)
    print(lineart.format_table(summary))
    write_image(args.sheet, lineart.sheet_image(sheet))
    print(f"contact sheet: {args.sheet}")
    if args.json:
        meta = {"machine": platform.processor() or platform.machine()}
        args.json.write_text(json.dumps({"rows": rows, "summary": summary, **meta}, indent=1))
    return 0


def _segment(args: argparse.Namespace) -> int:
    from retouch.bench import segment
    from retouch.core.errors import InputError

    if args.image:
        photos = {p.stem: p for p in args.image}
    else:
        photos = {k: args.data / v for k, v in segment.PHOTOS.items()}
        missing = [str(p) for p in photos.values() if not p.is_file()]
        if missing:
            raise InputError(f"benchmark photos not found ({missing[0]}); pass --image FILE")
    rows = segment.run(
        photos,
        tasks=args.task or [t.name for t in all_tasks() if t.returns == "mask"],
        methods=args.method,
        megapixels=args.megapixels,
        repeat=args.repeat,
    )
    print(segment.format_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def _inpaint(args: argparse.Namespace) -> int:
    from retouch.bench import inpaint

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bar = tqdm(total=0, desc="bench inpaint", unit="pair", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    rows = inpaint.run(
        args.images,
        args.masks,
        methods,
        per_bin=args.per_bin,
        bins=None if args.bins is None else {int(b) for b in args.bins.split(",")},
        megapixels=args.megapixels,
        perceptual=not args.no_perceptual,
        sheet=args.sheet,
        progress=progress,
    )
    bar.close()
    summary = inpaint.summarise(rows)
    print(inpaint.format_table(summary, methods))
    print(inpaint.LEGEND)
    print(f"contact sheet: {args.sheet}")
    if args.json:
        meta = {
            "argv": sys.argv,
            "machine": platform.processor() or platform.machine(),
            "megapixels": args.megapixels,
            "per_bin": args.per_bin,
        }
        inpaint.save_json(args.json, rows, summary, meta)
    return 0


def _large(args: argparse.Namespace) -> int:
    from retouch.bench import large

    result = large.run(
        image=args.image,
        width=args.width,
        height=args.height,
        fraction=args.hole,
        seed=args.seed,
        method=args.method,
        keep=args.keep,
    )
    print(
        f"{result['width']}x{result['height']} ({result['megapixels']:.1f} MP), "
        f"hole {100 * result['hole_fraction']:.1f}%, {result['method']}: "
        f"{result['seconds']:.1f} s end to end, peak memory {result['peak_rss_mb']:.0f} MB"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


def _add_tattoo_parser(tasks) -> None:
    p = tasks.add_parser(
        "tattoo",
        help="seconds to remove the tattoos of a 1 MP photo, end to end",
        description="Photos of tattoo/dev (or --image) scaled to --megapixels, each run "
        "file to file as `retouch tattoo` does: seconds of detection, of removal in "
        "memory and end to end. Run on an idle machine.",
    )
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--image", type=Path, action="append", default=None, help="your own photo(s)")
    p.add_argument("--method", default=None, help="tattoo method (default: the default one)")
    p.add_argument("--megapixels", type=float, default=1.0)
    p.add_argument("--count", type=bounded_int(1, 1000), default=5, help="photos (default 5)")
    p.add_argument("--json", type=Path, default=None)


def _tattoo(args: argparse.Namespace) -> int:
    from retouch.bench import tattoo
    from retouch.core.errors import InputError

    folder = args.data / "tattoo" / "dev" / "images"
    photos = args.image or sorted(folder.glob("*.jpg"))[:: max(1, 91 // args.count)][: args.count]
    if not photos:
        raise InputError(f"no photos in {folder}; pass --image FILE or --data DIR")
    if not 0.01 <= args.megapixels <= 50:
        raise InputError(f"--megapixels must be from 0.01 to 50, got {args.megapixels}")
    bar = tqdm(total=len(photos), desc="bench tattoo", unit="photo", file=sys.stderr)
    rows = tattoo.run(photos, method=args.method, megapixels=args.megapixels, progress=bar.update)
    bar.close()
    print(tattoo.format_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


def _add_people_parser(tasks) -> None:
    p = tasks.add_parser(
        "people",
        help="remove-people on composites: quality against the baseline, and seconds at 1 MP",
        description="People of person/dev pasted onto inpaint/dev photos (seeded; the clean "
        "photo is the truth): person pixels left, far pixels changed and perceptual distance "
        "of remove-people and of `retouch person` + `retouch erase --dilate 6`; then two-person "
        "composites at --megapixels run file to file as `retouch remove-people` does. "
        "Run on an idle machine.",
    )
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--method", default=None, help="people method (default: the default one)")
    p.add_argument(
        "--count", type=bounded_int(1, 1000), default=16, help="composites scored (default 16)"
    )
    p.add_argument("--photos", type=bounded_int(1, 100), default=3, help="photos timed (default 3)")
    p.add_argument("--megapixels", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0, help="seed of the scored composites")
    p.add_argument("--no-quality", action="store_true", help="time only")
    p.add_argument("--no-perceptual", action="store_true", help="skip the deep-feature distance")
    p.add_argument("--json", type=Path, default=None)


def _people(args: argparse.Namespace) -> int:
    from retouch.bench import people
    from retouch.core.errors import InputError
    from retouch.core.registry import get
    from retouch.people import evaluate

    if not 0.01 <= args.megapixels <= 50:
        raise InputError(f"--megapixels must be from 0.01 to 50, got {args.megapixels}")
    method = get("people", args.method).name
    out: dict = {"argv": sys.argv, "machine": platform.processor() or platform.machine()}
    if not args.no_quality:
        bar = tqdm(total=args.count, desc="bench people: quality", unit="photo", file=sys.stderr)
        result = evaluate.evaluate(
            method,
            args.data,
            limit=args.count,
            seed=args.seed,
            perceptual=not args.no_perceptual,
            progress=lambda done, total: bar.update(done - bar.n),
        )
        bar.close()
        print(evaluate.format_table([result]))
        out["quality"] = evaluate.as_json([result])
    bar = tqdm(total=args.photos, desc="bench people: speed", unit="photo", file=sys.stderr)
    rows = people.run_speed(
        args.data,
        photos=args.photos,
        megapixels=args.megapixels,
        method=method,
        progress=bar.update,
    )
    bar.close()
    print(people.format_speed(rows))
    out["speed"] = rows
    if args.json:  # atomically: a temp file beside it, then a rename
        part = args.json.with_suffix(args.json.suffix + ".part")
        part.write_text(json.dumps(out, indent=1))
        part.replace(args.json)
    return 0
