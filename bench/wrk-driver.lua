-- wrk's request generator for lib.mjs `measure` (BENCH_DRIVER=wrk): rotates through the deliveries written by
-- wrk.mjs (a record per delivery: "H name: value" lines, then "B <body on one line>"), and when a fresh-id
-- header is named, gives every request a new value for it, unique across runs by the prefix passed in.
-- With a pause (ms), each connection waits about that long (± 50 %, so connections never fall in step) before
-- its next request: a fixed offered load, for latency at the same load rather than at saturation.
-- wrk.mjs passes: <deliveries file> <prefix> [fresh-id header], and the pause in WEBHOOK_KIT_WRK_PAUSE_MS:
-- wrk decides whether requests are paced when it loads the script, before init() sees any argument.
local requests, fresh, prefix = {}, nil, ""
local pause = tonumber(os.getenv("WEBHOOK_KIT_WRK_PAUSE_MS") or "0") or 0
local count = 0

function init(args)
  prefix = args[2] or ""
  fresh = args[3]
  local headers = {}
  for line in io.lines(args[1]) do
    local kind, rest = line:sub(1, 1), line:sub(3)
    if kind == "H" then
      local name, value = rest:match("^([^:]+): (.*)$")
      if name ~= fresh then headers[name] = value end
    elseif kind == "B" then
      requests[#requests + 1] = { headers = headers, body = rest }
      headers = {}
    end
  end
end

if pause > 0 then
  math.randomseed(os.time())
  delay = function()
    return math.floor(pause * (0.5 + math.random()))
  end
end

function request()
  count = count + 1
  local r = requests[(count % #requests) + 1]
  if fresh then
    r.headers[fresh] = string.format("%s-%012d", prefix, count)
  end
  return wrk.format("POST", nil, r.headers, r.body)
end

function done(summary, latency, requests)
  -- One JSON line wrk.mjs parses: latencies in µs.
  io.write(string.format(
    '\nWRK_RESULT {"requests":%d,"durationUs":%d,"errors":%d,"timeouts":%d,"status":%d,"p50":%d,"p90":%d,"p99":%d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
