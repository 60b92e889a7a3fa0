"""wrk as the HTTP load generator: Lua scripts made per run, results read from the JSON
its ``done`` hook prints.

The PUT script gives every connection its own wrk thread (``-t N -c N``) because wrk's
``request()`` cannot tell connections apart, while each thread has a Lua state of its
own: so each connection is one country with its own token, one request at a time.
"""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from opcoord.bench import procs

_DONE = r"""
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local non2xx = 0
  for _, t in ipairs(threads) do non2xx = non2xx + (t:get("non2xx") or 0) end
  local e = summary.errors
  io.write(string.format(
    '\nBENCH {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"non2xx":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    non2xx, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""

_GET = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer {token}"
"""

_PUT = r"""
local code = "{code}"
local nonce = "{nonce}"
local entries = {{ {entries} }}
local days = {{ {days} }}
local others = {{ {others} }}
local cats = {{ "coins", "archaeological", "paintings", "sculptures", "religious" }}
local places = {{ "airport", "seaport", "land_border", "postal_centre", "inland" }}
local me, k, headers
non2xx = 0

function init(args)
  me = entries[id % #entries + 1]
  math.randomseed(id + 1)
  k = 0
end

local function pick(t) return t[math.random(#t)] end

function request()
  k = k + 1
  local parts = {{}}
  for j = 1, {seizures} do
    parts[j] = string.format(
      '{{"ref":"%s-%s-%d-%d","category":"%s","quantity":%d,"place_type":"%s",' ..
      '"description":"bench object, declared as a souvenir","lat":%.4f,"lon":%.4f,' ..
      '"origin_country":"%s","destination_country":"%s","estimated_value":%d,"currency":"EUR"}}',
      nonce, me[1], k, j, pick(cats), math.random(1, 50), pick(places),
      math.random() * 110 - 50, math.random() * 260 - 120, pick(others), pick(others),
      math.random(10, 10000))
  end
  local body = string.format(
    '{{"nil_return":false,"counters":{{"persons_checked":%d,"arrests":%d}},' ..
    '"facilitating_items":{{"metal_detectors":%d}},"seizures":[%s],' ..
    '"notes":"bench","amendment_reason":"bench"}}',
    math.random(1, 900), k % 3, math.random(0, 2), table.concat(parts, ","))
  local day = days[(k - 1) % #days + 1]
  return wrk.format("PUT", "/api/operations/" .. code .. "/returns/" .. me[1] .. "/" .. day,
    {{ ["Authorization"] = "Bearer " .. me[2], ["Content-Type"] = "application/json" }}, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write(status .. " " .. body:sub(1, 300) .. "\n") end
  end
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int  # socket errors, timeouts and error statuses
    non2xx: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": self.seconds,
            "rps": self.rps,
            "errors": self.errors,
            "non2xx": self.non2xx,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
        }


def _lua_list(items: list[str]) -> str:
    return ", ".join(json.dumps(i) for i in items)


def get_script(token: str) -> str:
    return _GET.format(token=token) + _DONE


def put_script(
    code: str, nonce: str, tokens: dict[str, str], days: list[date], seizures: int
) -> str:
    """A new version (or the first) of one country's return per request, ``seizures``
    seizures with references no other request uses."""
    entries = ", ".join(f"{{ {json.dumps(c)}, {json.dumps(t)} }}" for c, t in tokens.items())
    return (
        _PUT.format(
            code=code,
            nonce=nonce,
            entries=entries,
            seizures=seizures,
            days=_lua_list([d.isoformat() for d in days]),
            others=_lua_list(list(tokens)),
        )
        + _DONE
    )


def run(url: str, script: str, *, connections: int, threads: int, seconds: int) -> WrkResult:
    exe = shutil.which("wrk")
    if exe is None:
        raise procs.ChildFailedError("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        args = [
            exe,
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{max(1, seconds)}s",
            "--timeout",
            "30s",
            "-s",
            f.name,
            url,
        ]
        proc = procs.spawn(args, "wrk", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=seconds + 90)
        finally:
            procs.end(proc.pid)
    finally:
        Path(f.name).unlink(missing_ok=True)
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise procs.ChildFailedError(f"wrk failed ({proc.returncode}): {err[-2000:]}{out[-2000:]}")
    r = json.loads(line.removeprefix("BENCH "))
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"] + max(r["status"], r["non2xx"])
    return WrkResult(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        errors=errors,
        non2xx=r["non2xx"],
        p50_ms=r["p50_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        max_ms=r["max_us"] / 1000,
    )
