"""Load drivers for bench/bench_bot.py: the wrk Lua script that cycles pre-signed requests, and
the multi-process Python client used only when wrk cannot be had (it caps the floor)."""

from __future__ import annotations

import http.client
import multiprocessing
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

# args: the requests file (timestamp, signature, body per line), a substring every answer
# must contain ("" for none). Every request is sent at most once per run (`wrapped` counts
# the times the list ran out; the bench sizes it so it never does).
LUA = r"""
local reqs = {}
local i = 0
bad = 0
wrapped = 0
check = ""
function init(args)
  check = args[2] or ""
  for line in io.lines(args[1]) do
    local ts, sig, body = line:match("^(%S+) (%S+) (.*)$")
    reqs[#reqs + 1] = wrk.format("POST", nil, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Slack-Request-Timestamp"] = ts, ["X-Slack-Signature"] = sig}, body)
  end
end
function request()
  i = i + 1
  if i > #reqs then i = 1; wrapped = wrapped + 1 end
  return reqs[i]
end
function response(status, headers, body)
  if status ~= 200 or (check ~= "" and not string.find(body, check, 1, true)) then bad = bad + 1 end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local b, w = 0, 0
  for _, t in ipairs(threads) do b = b + t:get("bad"); w = w + t:get("wrapped") end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"n": %d, "rps": %.3f, "p50": %.3f, "p99": %.3f, "failures": %d, "wrapped": %d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    b + w + e.connect + e.read + e.write + e.timeout, w))
end
"""


def _client(args: tuple[str, list[str], str, float]) -> tuple[list[float], int]:
    url, lines, check, seconds = args
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    latencies: list[float] = []
    bad = 0
    stop = time.perf_counter() + seconds
    for line in lines:
        if time.perf_counter() >= stop:
            break
        ts, sig, body = line.split(" ", 2)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
        }
        t0 = time.perf_counter()
        conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
        r = conn.getresponse()
        text = r.read().decode()
        latencies.append(time.perf_counter() - t0)
        bad += r.status != 200 or (bool(check) and check not in text)
    return latencies, bad


def python_load(url: str, requests_path: Path, check: str, *, connections: int, seconds: float) -> dict[str, float]:
    """`connections` client processes, each with one kept-alive connection."""
    lines = requests_path.read_text().splitlines()
    shares = [(url, lines[i::connections], check, seconds) for i in range(connections)]
    t0 = time.perf_counter()
    with multiprocessing.Pool(connections) as pool:
        parts = pool.map(_client, shares)
    elapsed = time.perf_counter() - t0
    latencies = sorted(x for lat, _ in parts for x in lat)
    return {
        "n": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": sum(b for _, b in parts),
        "wrapped": 0,
    }
