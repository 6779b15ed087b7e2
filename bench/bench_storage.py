"""Benchmark: S3Store.put against a bare boto3 upload_fileobj floor, same endpoint, same run.

    python bench/bench_storage.py [--mb 200] [--repeat 3]

Starts moto's S3 server on loopback, writes a generated file (a PDF header, then random bytes),
and uploads it alternately through (a) the floor, `client.upload_fileobj(open file)` with the
store's TransferConfig, and (b) `S3Store.put(open file)`, each run in a fresh child process so
that its peak RSS (VmHWM, else ru_maxrss) is that of one upload alone. Best of each is reported:

    storage: floor X MB/s, store Y MB/s, ratio Z, store peak RSS N MB

Targets: ratio >= 0.7, store peak RSS < 150 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def peak_rss_mb() -> float:
    """This process's own peak RSS in MB.

    Linux's VmHWM belongs to the process image since its exec; ru_maxrss would also count the
    parent's pages at fork time (here, the moto server holding the uploaded objects).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def child(mode: str, bucket: str, path: str) -> None:
    """Run one upload in this process and print its time and peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    from storage.s3 import S3Store, default_client, default_transfer_config

    client = default_client()
    size = os.path.getsize(path)
    result: dict[str, object] = {"mode": mode, "size": size}
    with open(path, "rb") as f:
        if mode == "floor":
            started = time.perf_counter()
            client.upload_fileobj(f, bucket, "floor/object.pdf", Config=default_transfer_config())
            result["seconds"] = time.perf_counter() - started
            result["key"] = "floor/object.pdf"
        else:
            store = S3Store(bucket, "bench", client=client, max_bytes=size + MB)
            started = time.perf_counter()
            doc = store.put(
                f, case_ref="DF-1", kind="other", filename="bench.pdf", uploader="bench"
            )
            result["seconds"] = time.perf_counter() - started
            result["key"] = "bench/" + doc.key
            result["sha256"] = doc.sha256
    result["maxrss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        head = b"%PDF-1.7\n%"
        f.write(head)
        digest.update(head)
        left = size - len(head)
        while left > 0:
            block = os.urandom(min(left, 8 * MB))
            f.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="file size in MB (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--child", choices=["floor", "store"], help=argparse.SUPPRESS)
    parser.add_argument("--bucket", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.bucket, args.file)
        return 0

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    for name, value in DUMMY_ENV.items():
        os.environ.setdefault(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, **DUMMY_ENV)
    admin = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    bucket = "bench-storage"
    admin.create_bucket(Bucket=bucket)

    results: dict[str, list[dict[str, float]]] = {"floor": [], "store": []}
    with tempfile.TemporaryDirectory(prefix="dragonfly-bench-") as tmp:
        path = Path(tmp) / "generated.pdf"
        size = args.mb * MB
        expected = make_file(path, size)
        order = []
        for i in range(args.repeat):
            order += ["floor", "store"] if i % 2 == 0 else ["store", "floor"]
        for mode in order:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    mode,
                    "--bucket",
                    bucket,
                    "--file",
                    str(path),
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            run = json.loads(out.strip().splitlines()[-1])
            if mode == "store" and run["sha256"] != expected:
                print(f"store returned a wrong sha256: {run['sha256']} != {expected}")
                return 1
            head = admin.head_object(Bucket=bucket, Key=run["key"])
            if head["ContentLength"] != size:
                print(f"{mode}: stored size {head['ContentLength']} != {size}")
                return 1
            admin.delete_object(Bucket=bucket, Key=run["key"])
            mbps = size / MB / run["seconds"]
            results[mode].append({"mbps": mbps, "rss": run["maxrss_mb"]})
            print(
                f"  {mode:5} {run['seconds']:6.2f} s  {mbps:7.1f} MB/s  "
                f"peak RSS {run['maxrss_mb']:6.1f} MB"
            )
    server.stop()

    floor = max(r["mbps"] for r in results["floor"])
    store = max(r["mbps"] for r in results["store"])
    rss = max(r["rss"] for r in results["store"])
    floor_rss = max(r["rss"] for r in results["floor"])
    ratio = store / floor
    print(f"file {args.mb} MB, endpoint {endpoint} (moto), floor peak RSS {floor_rss:.0f} MB")
    print(
        f"storage: floor {floor:.1f} MB/s, store {store:.1f} MB/s, ratio {ratio:.2f}, "
        f"store peak RSS {rss:.0f} MB"
    )
    ok = ratio >= 0.7 and rss < 150
    print("targets (ratio >= 0.7, RSS < 150 MB): " + ("met" if ok else "NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
