"""Batch benchmark: scaling over local processes, runner overhead, LocalCluster vs pool, peak RSS.

Run:  .venv/bin/python benchmarks/bench_batch.py            (about 5 minutes on 2 busy cores)
      .venv/bin/python benchmarks/bench_batch.py --quick    (smaller counts)

Every number is a ratio against a baseline measured in the same run on the same pages
(generated 800x400 text pages, 300 dpi, real tesseract with OMP_THREAD_LIMIT=1 unless noted).
Timings on a shared machine are noisy: each timed variant is repeated and the minimum kept.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from _batch_helpers import make_pages  # noqa: E402

DEV = Path(os.environ.get("DIGITIZER_SHARED", HERE.parent.parent / "shared")) / "corpus" / "dev"


def new_project(root: Path, n: int, src: Path | list[Path], warm: int = 2):
    """Project with item 'bench' (n pages from src) and item 'warm' (to start pools before timing)."""
    from digitizer.ingest import import_paths
    from digitizer.store import ProjectStore

    store = ProjectStore.create(root)
    bench, warm_item = store.add_item("bench"), store.add_item("warm")
    files = sorted(src.glob("*.png")) if isinstance(src, Path) else list(src)
    assert len(import_paths(store, files[:n], bench).added) == n
    wsrc = root.parent / f"{root.name}-warm"
    make_pages(wsrc, warm, (600, 300))
    import_paths(store, [wsrc], warm_item)
    return store, store.get_item("bench"), store.get_item("warm")


def timed_batch(store, item, warm, executor, engine: str) -> float:
    from digitizer.batch.process import process_pages

    process_pages(store, [warm], executor=executor, engine=engine, force=True)
    t0 = time.perf_counter()
    rep = process_pages(store, [item], executor=executor, engine=engine, force=True)
    dt = time.perf_counter() - t0
    assert not rep.failed, rep.failed
    return dt


def bench_scaling(work: Path, src: Path, n: int, repeats: int) -> dict[str, float]:
    from digitizer.batch import LocalProcessExecutor

    store, item, warm = new_project(work / "scaling", n, src)
    best = {1: float("inf"), 2: float("inf")}
    for _ in range(repeats):
        for w in (1, 2):
            with LocalProcessExecutor(w) as ex:
                best[w] = min(best[w], timed_batch(store, item, warm, ex, "tesseract"))
    store.close()
    return {"n": n, "t1": best[1], "t2": best[2]}


def bench_overhead(work: Path, src: Path | list[Path], n: int, repeats: int, name: str = "overhead",
                   lang: str = "eng") -> dict[str, float]:
    """Serial, in one process: run_page_task alone vs + commit vs the batch runner."""
    from digitizer.batch import SerialExecutor
    from digitizer.pipeline.page import commit_page_result, run_page_task
    from digitizer.batch.process import process_pages
    from digitizer.pipeline.process import make_task
    from digitizer.profiles import load_profile

    store, item, _ = new_project(work / name, n, src)
    prof = load_profile(item.profile)
    prof.recognition.languages = [lang]
    tasks = [make_task(store, p, item, prof, engine="tesseract") for p in store.pages(item.id)]
    run_page_task(tasks[0])          # warm caches (engine lookup, imports)
    best = {"direct": float("inf"), "commit": float("inf"), "runner": float("inf")}
    for _ in range(repeats):
        t0 = time.perf_counter()
        for t in tasks:
            run_page_task(t)
        best["direct"] = min(best["direct"], time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t in tasks:
            commit_page_result(store, run_page_task(t))
        best["commit"] = min(best["commit"], time.perf_counter() - t0)
        t0 = time.perf_counter()
        process_pages(store, [item], executor=SerialExecutor(), engine="tesseract", languages=[lang], force=True)
        best["runner"] = min(best["runner"], time.perf_counter() - t0)
    store.close()
    return {"n": n, **best}


def bench_cluster(work: Path, src: Path, n: int, repeats: int) -> dict[str, float]:
    from distributed import Client, LocalCluster

    from digitizer.batch import DaskExecutor, LocalProcessExecutor

    store, item, warm = new_project(work / "cluster", n, src)
    best = {"pool": float("inf"), "dask": float("inf")}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:
        for _ in range(repeats):
            with LocalProcessExecutor(2) as ex:
                best["pool"] = min(best["pool"], timed_batch(store, item, warm, ex, "tesseract"))
            best["dask"] = min(best["dask"], timed_batch(store, item, warm, DaskExecutor(client=client), "tesseract"))
    store.close()
    return {"n": n, **best}


# ---------------------------------------------------------------------- peak RSS (in a child process)

def rss_child(n: int, engine: str, size: tuple[int, int], work: Path) -> dict[str, float]:
    """Import n generated pages, process them with 2 local processes; sample RSS of the whole tree."""
    import psutil

    from digitizer.batch import LocalProcessExecutor
    from digitizer.ingest import import_paths
    from digitizer.batch.process import process_pages
    from digitizer.store import ProjectStore

    src = work / f"rss-src-{n}-{size[0]}"
    make_pages(src, n, size)
    store = ProjectStore.create(work / f"rss-{n}-{engine}")
    item = store.add_item("bench")
    assert len(import_paths(store, [src], item).added) == n
    me = psutil.Process()
    peak = {"coordinator": 0, "tree": 0, "worker": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                procs = [me, *me.children(recursive=True)]
                rss = {}
                for p in procs:
                    try:
                        rss[p.pid] = p.memory_info().rss
                    except psutil.Error:
                        pass
                peak["coordinator"] = max(peak["coordinator"], rss.get(me.pid, 0))
                peak["tree"] = max(peak["tree"], sum(rss.values()))
                peak["worker"] = max([peak["worker"], *(v for k, v in rss.items() if k != me.pid)])
            except psutil.Error:
                pass
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.perf_counter()
    with LocalProcessExecutor(2) as ex:
        rep = process_pages(store, [store.get_item("bench")], executor=ex, engine=engine)
    dt = time.perf_counter() - t0
    stop.set()
    th.join()
    assert len(rep.done) == n, rep.failed[:3]
    return {"n": n, "engine": engine, "seconds": dt, **{k: v / 2**20 for k, v in peak.items()}}


def bench_rss(work: Path, counts: list[int], engine: str, size: tuple[int, int]) -> list[dict[str, float]]:
    out = []
    for n in counts:
        res = subprocess.run([sys.executable, __file__, "--rss-child", str(n), "--engine", engine,
                              "--size", f"{size[0]}x{size[1]}", "--work", str(work)],
                             capture_output=True, text=True, check=True)
        out.append(json.loads(res.stdout.strip().splitlines()[-1]))
    return out


# ---------------------------------------------------------------------- report

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller counts (a rough check)")
    ap.add_argument("--pages", type=int, help="pages for the throughput runs (default 40, quick 16)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="none", help=argparse.SUPPRESS)
    ap.add_argument("--size", default="800x400", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    ap.add_argument("--skip", default="", help="comma list of sections to skip: scaling,overhead,overhead-real,cluster,rss")
    args = ap.parse_args()
    if args.rss_child:
        w, h = (int(v) for v in args.size.split("x"))
        print(json.dumps(rss_child(args.rss_child, args.engine, (w, h), Path(args.work))))
        return
    n = args.pages or (16 if args.quick else 40)
    skip = set(filter(None, args.skip.split(",")))
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        src = work / "src"
        make_pages(src, n)
        if "scaling" not in skip:
            s = bench_scaling(work, src, n, args.repeats)
            rows += [("local pool, 1 process", f"{60 * n / s['t1']:.1f} pages/min", f"{s['t1']:.2f} s for {n} pages"),
                     ("local pool, 2 processes", f"{60 * n / s['t2']:.1f} pages/min",
                      f"speed-up {s['t1'] / s['t2']:.2f}x (goal >= 1.8x)")]
        if "overhead" not in skip:
            o = bench_overhead(work, src, min(n, 24), args.repeats + 1)
            per = (o["runner"] - o["direct"]) / o["n"] * 1000
            rows += [("run_page_task directly (serial)", f"{o['direct'] / o['n'] * 1000:.0f} ms/page", "baseline"),
                     ("  + commit_page_result", f"{o['commit'] / o['n'] * 1000:.0f} ms/page",
                      f"{100 * (o['commit'] / o['direct'] - 1):+.1f} %"),
                     ("batch runner (SerialExecutor)", f"{o['runner'] / o['n'] * 1000:.0f} ms/page",
                      f"{100 * (o['runner'] / o['direct'] - 1):+.1f} % ({per:+.1f} ms/page; goal <= 5 %)")]
        real = sorted((DEV / "tapuscorpus").glob("*.jp*g"))
        if "overhead-real" not in skip and real:
            k = 3 if args.quick else len(real)
            o = bench_overhead(work, real, k, args.repeats, name="overhead-real", lang="fra")
            rows += [(f"real scans ({k} typewritten, fra): run_page_task", f"{o['direct'] / k * 1000:.0f} ms/page",
                      "baseline"),
                     ("  batch runner (SerialExecutor)", f"{o['runner'] / k * 1000:.0f} ms/page",
                      f"{100 * (o['runner'] / o['direct'] - 1):+.1f} % (+commit alone "
                      f"{100 * (o['commit'] / o['direct'] - 1):+.1f} %)")]
        if "cluster" not in skip:
            c = bench_cluster(work, src, n, args.repeats)
            rows += [("local pool, 2 processes", f"{60 * n / c['pool']:.1f} pages/min", "baseline"),
                     ("Dask LocalCluster, 2 workers x 1 thread", f"{60 * n / c['dask']:.1f} pages/min",
                      f"{c['pool'] / c['dask']:.2f}x of the pool")]
        if "rss" not in skip:
            counts = [50, 200] if args.quick else [100, 1000]
            res = bench_rss(work, counts, "none", (800, 400))
            res += bench_rss(work, [counts[0]], "tesseract", (800, 400))
            for r in res:
                rows.append((f"peak RSS, {r['n']} pages, engine {r['engine']}",
                             f"{r['tree']:.0f} MiB total",
                             f"coordinator {r['coordinator']:.0f} MiB, largest worker {r['worker']:.0f} MiB, "
                             f"{60 * r['n'] / r['seconds']:.0f} pages/min"))
            a, b = res[0], res[1]
            rows.append((f"RSS growth {a['n']} -> {b['n']} pages", f"{b['tree'] / a['tree']:.2f}x total",
                         f"coordinator {b['coordinator'] / a['coordinator']:.2f}x (goal: flat, <= 1.5 GB)"))
    load = os.getloadavg()
    print(f"\nbench_batch: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  {'value':>22}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>22}  {note}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
