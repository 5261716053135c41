"""The sharded build with its work directory on an object store (issue 17): the same build with
``--work-dir`` on the local disk and on an S3 server on this machine (moto), compared.

A generated corpus (benchmarks/corpus.py) is built with ``cleaner build`` in child processes
(as bench_sharded.py runs them, watched through /proc), alternately with the work directory
local and on S3 (``s3://bench/work-N?endpoint_override=127.0.0.1:PORT&scheme=http``), each
``--repeat`` times: wall time, CPU of the build's processes, the driver's and the largest
worker's peak memory, and whether every version is byte-identical to the first. The S3
server runs in this process: its CPU is shown apart (a real object store's is not ours).

Run: ``.venv/bin/python benchmarks/bench_workfs.py [--docs 2000] [--workers 2] [--repeat 2]
[--config FILE] [--tmp DIR]`` (needs ``moto[server]``, in the test extras; without
``--config`` the build uses ``[dedup] translation = false``).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_sharded  # noqa: E402
import corpus  # noqa: E402


def start_s3() -> tuple[object, str]:
    """A moto S3 server on 127.0.0.1 with a bucket ``bench``; the server and its endpoint."""
    from moto.server import ThreadedMotoServer
    from pyarrow import fs

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"{host}:{port}"
    fs.S3FileSystem(endpoint_override=endpoint, scheme="http",
                    allow_bucket_creation=True).create_dir("bench")
    return server, endpoint


def s3_usage(endpoint: str, prefix: str) -> tuple[int, int]:
    """Objects and bytes under ``bench/prefix``."""
    from pyarrow import fs

    s3 = fs.S3FileSystem(endpoint_override=endpoint, scheme="http")
    found = s3.get_file_info(fs.FileSelector(f"bench/{prefix}", recursive=True,
                                             allow_not_found=True))
    files = [info for info in found if info.type == fs.FileType.File]
    return len(files), sum(info.size for info in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--tmp", type=Path, default=None, help="keep the corpus here")
    args = parser.parse_args()
    try:
        server, endpoint = start_s3()
    except ImportError:
        print("moto is not installed (pip install 'moto[server]', in the test extras); skipped")
        return
    # Any key does for moto; never ask a cloud metadata service.
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                      AWS_EC2_METADATA_DISABLED="true")
    try:
        with tempfile.TemporaryDirectory(prefix="cleaner-workfs-") as scratch:
            tmp = args.tmp or Path(scratch)
            tmp.mkdir(parents=True, exist_ok=True)
            config = args.config
            if config is None:
                config = tmp / "bench.toml"
                config.write_text("[dedup]\ntranslation = false\n", encoding="utf-8")
            bench_sharded.COMMON[:] = ["--config", str(config.resolve())]
            folder = tmp / f"corpus-{args.docs}"
            if not folder.exists():
                corpus.generate(args.docs, folder)
            print(f"machine: {os.cpu_count()} CPUs, load average "
                  f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.docs:,} documents, "
                  f"--workers {args.workers}\n")
            print("| run | work dir | wall s | CPU s (build) | S3 server CPU s | driver peak MB "
                  "| largest worker peak MB | work files | work MiB | byte-identical |")
            print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
            first = None
            walls: dict[str, list[float]] = {"local": [], "s3": []}
            for run in range(args.repeat):
                for kind in ("local", "s3"):
                    name = f"work-{kind}-{run}"
                    work = (str(tmp / name) if kind == "local" else
                            f"s3://bench/{name}?endpoint_override={endpoint}&scheme=http")
                    out = tmp / f"out-{kind}-{run}"
                    shutil.rmtree(out, ignore_errors=True)  # else "unchanged" (a kept --tmp)
                    server_cpu = resource.getrusage(resource.RUSAGE_SELF)
                    code, wall, watch = bench_sharded.run_build(bench_sharded.build_args(
                        folder, out, work, args.workers, extra=("--keep-work",)))
                    after = resource.getrusage(resource.RUSAGE_SELF)
                    if code != 0:
                        raise SystemExit(f"the {kind} build failed (exit {code})")
                    if kind == "local":
                        files = [p for p in Path(work).rglob("*") if p.is_file()]
                        count, size = len(files), sum(p.stat().st_size for p in files)
                        shutil.rmtree(work, ignore_errors=True)
                    else:
                        count, size = s3_usage(endpoint, name)
                    served = (after.ru_utime + after.ru_stime - server_cpu.ru_utime
                              - server_cpu.ru_stime) if kind == "s3" else 0.0
                    same = bench_sharded.digest(out / "bench" / "1.0.0")
                    first = first or same
                    walls[kind].append(wall)
                    worker = max((watch.peak[p] for p in watch.workers()), default=0)
                    print(f"| {run + 1} | {kind} | {wall:.1f} | {watch.total_cpu:.1f} "
                          f"| {served:.1f} | {bench_sharded.mib(watch.peak[watch.root])} "
                          f"| {bench_sharded.mib(worker)} | {count:,} | {size / 2**20:.1f} "
                          f"| {same == first} |")
            local, remote = min(walls["local"]), min(walls["s3"])
            print(f"\nbest wall: local {local:.1f} s, S3 {remote:.1f} s "
                  f"({(remote / local - 1) * 100:+.0f} %)")
    finally:
        server.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    _eval = Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))
    if not (_eval / "extraction" / "ground-truth.json").is_file():
        print(f"evaluation data not found under {_eval} (set CLEANER_EVAL_DIR); skipped")
        sys.exit(0)
    main()
