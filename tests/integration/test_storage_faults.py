"""The S3 store when the service is down or failing: a clear, retryable error, quickly, and
nothing left behind. Everything runs on loopback: a closed port, a fake answering 500, and a
proxy in front of moto that fails chosen requests."""

from __future__ import annotations

import http.client
import io
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from storage import S3Store, StorageError, StorageUnavailable
from storage.s3 import default_client

pytest_plugins = ["tests.integration.s3_fixtures"]

MB = 1024 * 1024
ERROR_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
    b"<Message>We encountered an internal error. Please try again.</Message></Error>"
)


def pdf(size: int) -> bytes:
    return b"%PDF-1.7\n%" + os.urandom(max(0, size - 16)) + b"\n%%EOF\n"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Any]:
    """Point the standard AWS variables at `endpoint`; return the store's own default client."""

    def use(endpoint: str) -> Any:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        return default_client()

    return use


def _read_body(handler: BaseHTTPRequestHandler) -> None:
    length = handler.headers.get("Content-Length")
    if length is not None:
        remaining = int(length)
        while remaining > 0:
            chunk = handler.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
    elif "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            handler.rfile.read(size + 2) if size else None
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break


class Proxy:
    """A loopback HTTP server: forwards to `upstream`, or answers 500 when `fail(method, path,
    headers)` says so (or always, when there is no upstream)."""

    def __init__(
        self,
        upstream: str | None,
        fail: Callable[[str, str, Any], bool],
        status: int = 500,
        body: bytes = ERROR_XML,
    ) -> None:
        self.upstream = upstream
        self.fail = fail
        self.status = status
        self.body = body
        self.requests: list[tuple[str, str, int]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                if proxy.upstream is None or proxy.fail(self.command, self.path, self.headers):
                    _read_body(self)
                    proxy.requests.append((self.command, self.path, proxy.status))
                    self.send_response(proxy.status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(proxy.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(proxy.body)
                    return
                length = self.headers.get("Content-Length")
                body = self.rfile.read(int(length)) if length else None
                host = proxy.upstream.split("//", 1)[1]
                conn = http.client.HTTPConnection(host, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                proxy.requests.append((self.command, self.path, response.status))
                self.send_response(response.status)
                for k, v in response.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy_factory() -> Iterator[Callable[..., Proxy]]:
    made: list[Proxy] = []

    def make(
        upstream: str | None, fail: Callable[[str, str, Any], bool] = lambda *a: True, **kw: Any
    ) -> Proxy:
        p = Proxy(upstream, fail, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def leftovers(client: Any, bucket: str) -> list[str]:
    objects = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []) or []]
    uploads = [u["Key"] for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    return objects + uploads


def put(store: S3Store, data: bytes) -> Any:
    return store.put(
        io.BytesIO(data), case_ref="DF-5", kind="levy_notice", filename="levy.pdf", uploader="U1"
    )


# --- endpoint down -----------------------------------------------------------------------------


def test_endpoint_down_fails_fast_with_a_retryable_error(aws_env: Callable[[str], Any]) -> None:
    client = aws_env(f"http://127.0.0.1:{closed_port()}")
    store = S3Store("documents", "p", client=client)
    for size in (10_000, 20 * MB):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as info:
            put(store, pdf(size))
        elapsed = time.monotonic() - started
        assert elapsed < 15, f"took {elapsed:.1f}s"
        assert info.value.retryable
        assert "could not be reached" in str(info.value) and "try again" in str(info.value)
        assert info.value.detail  # the technical cause, for the log
    key = "cases/DF-5/01J00000000000000000000000-levy.pdf"
    for call in (store.head, store.open):
        with pytest.raises(StorageUnavailable):
            call(key)
    with pytest.raises(StorageUnavailable):
        list(store.list_keys())
    with pytest.raises(StorageUnavailable):
        store.init()


def test_the_default_client_retries_briefly(aws_env: Callable[[str], Any]) -> None:
    client = aws_env(f"http://127.0.0.1:{closed_port()}")
    assert client.meta.config.retries["total_max_attempts"] <= 3
    assert client.meta.config.connect_timeout <= 5
    assert client.meta.endpoint_url.startswith("http://127.0.0.1:")


# --- the service answers 500 -------------------------------------------------------------------


@pytest.mark.parametrize("size", [10_000, 20 * MB], ids=["single-put", "multipart"])
def test_500_on_every_request(
    aws_env: Callable[[str], Any], proxy_factory: Callable[..., Proxy], size: int
) -> None:
    fake = proxy_factory(None)
    store = S3Store("documents", "", client=aws_env(fake.url))
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as info:
        put(store, pdf(size))
    assert time.monotonic() - started < 20
    assert "could not be reached" in str(info.value)
    assert fake.requests and all(status == 500 for _, _, status in fake.requests)
    assert any(method in ("PUT", "POST") for method, _, _ in fake.requests)


def test_500_midway_through_a_multipart_upload_leaves_nothing(
    aws_env: Callable[[str], Any],
    proxy_factory: Callable[..., Proxy],
    moto_server: str,
    s3_bucket: str,
    s3_client: Any,
) -> None:
    def fail_second_part(method: str, path: str, headers: Any) -> bool:
        return method == "PUT" and "partNumber=2&" in path + "&"

    proxy = proxy_factory(moto_server, fail_second_part)
    store = S3Store(s3_bucket, "docs", client=aws_env(proxy.url))
    with pytest.raises(StorageUnavailable):
        put(store, pdf(20 * MB))
    assert any(status == 500 for _, _, status in proxy.requests)
    assert any("uploads" in path for m, path, _ in proxy.requests if m == "POST")
    assert leftovers(s3_client, s3_bucket) == []


def test_500_when_writing_the_sidecar_leaves_nothing(
    aws_env: Callable[[str], Any],
    proxy_factory: Callable[..., Proxy],
    moto_server: str,
    s3_bucket: str,
    s3_client: Any,
) -> None:
    def fail_sidecar(method: str, path: str, headers: Any) -> bool:
        return method == "PUT" and ".meta.json" in path

    proxy = proxy_factory(moto_server, fail_sidecar)
    store = S3Store(s3_bucket, "docs", client=aws_env(proxy.url))
    with pytest.raises(StorageUnavailable):
        put(store, pdf(20 * MB))
    assert any(".meta.json" in path and status == 500 for _, path, status in proxy.requests)
    assert leftovers(s3_client, s3_bucket) == []


def test_a_healthy_proxy_passes_through(
    aws_env: Callable[[str], Any],
    proxy_factory: Callable[..., Proxy],
    moto_server: str,
    s3_bucket: str,
) -> None:
    proxy = proxy_factory(moto_server, lambda *a: False)
    store = S3Store(s3_bucket, "docs", client=aws_env(proxy.url))
    doc = put(store, pdf(20 * MB))
    assert store.head(doc.key).sha256 == doc.sha256


def test_access_denied_is_a_clear_error_not_a_retry(
    aws_env: Callable[[str], Any], proxy_factory: Callable[..., Proxy]
) -> None:
    body = b'<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>'
    fake = proxy_factory(None, status=403, body=body)
    store = S3Store("documents", "", client=aws_env(fake.url))
    with pytest.raises(StorageError) as info:
        put(store, pdf(10_000))
    assert not isinstance(info.value, StorageUnavailable)
    assert not info.value.retryable
    assert "access to the storage bucket was denied" in str(info.value)
    assert len(fake.requests) == 1  # refused, not retried
