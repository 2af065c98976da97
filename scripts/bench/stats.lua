-- wrk script for the benchmark: counts non-2xx answers and prints the latency
-- percentiles wrk's --latency does not (p95), as one JSON line starting with BENCH_JSON.
-- With BENCH_PATHS set to a file of paths (one per line), each request takes the next
-- path, e.g. 3,000 different news pages. Each of the BENCH_WRK_THREADS wrk threads walks its
-- own share of the list, so that no thread asks for a page another has just put in the cache.

local threads = {}
local paths = nil
local counter = 0
non2xx = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  local file = os.getenv("BENCH_PATHS")
  if file and file ~= "" then
    paths = {}
    for line in io.lines(file) do
      if line ~= "" then table.insert(paths, line) end
    end
    local count = tonumber(os.getenv("BENCH_WRK_THREADS") or "1") or 1
    counter = ((thread_number or 1) - 1) * math.floor(#paths / math.max(count, 1)) - 1
  end
end

function request()
  if paths then
    counter = counter + 1
    return wrk.format("GET", paths[(counter % #paths) + 1])
  end
  return wrk.request()
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (tonumber(thread:get("non2xx")) or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "stdev": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes, bad,
    e.connect, e.read, e.write, e.timeout,
    latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99)))
end
