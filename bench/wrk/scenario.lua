-- wrk script for the closed-loop HTTP scenarios (bench/loadgen.py writes the data file and
-- runs wrk). Each request picks its target at random, like the Python generator:
--   mode "pick":    one of `items` ({method, path, token}), e.g. a room's first page;
--   mode "send_dm": a direct message between two distinct users of `users` ({name, token}).
-- `done` prints one JSON line with the figures bench/run.py reads.

local data
local content = string.rep("x", 100)

function init(args)
  data = dofile(args[1])
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

local function auth(token)
  return { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function request()
  if data.mode == "send_dm" then
    local users = data.users
    local i = math.random(#users)
    local j = math.random(#users - 1)
    if j >= i then j = j + 1 end
    local body = '{"recipient":"' .. users[j][1] .. '","content":"' .. content .. '"}'
    return wrk.format("POST", "/api/v1/messages/send", auth(users[i][2]), body)
  end
  local item = data.items[math.random(#data.items)]
  return wrk.format(item[1], item[2], auth(item[3]))
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local ok = summary.requests - e.status
  local ms = function(p) return latency:percentile(p) / 1000 end
  io.write(string.format(
    '{"requests": %d, "throughput_per_s": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "errors": %d, "duration_s": %.1f}\n',
    summary.requests, ok / seconds, ms(50), ms(95), ms(99), latency.max / 1000,
    e.status + e.connect + e.read + e.write + e.timeout, seconds))
end
