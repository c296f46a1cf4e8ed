"""Lua scripts behind the timeline cache; each runs atomically inside Redis.

A timeline is a sorted set of fixed-width sort keys (all scores 0, so order is byte order,
which is TIMEUUID order) and a hash from sort key to the encoded message. The hash's `~state`
field says whether the set is a complete copy of the newest messages (`ready`) or is being
filled (`filling:<token>`). Appends and edits land in a ready or filling timeline and are
dropped for an absent one: the next fill reads them from Cassandra, which accepted them first.

Every key carries the cache epoch: bumping `chat:epoch` after a failed cache write orphans
every timeline at once, so a write Redis missed can never leave a stale copy being served.

The hash also counts the messages appended to it (`~appended`) and may remember the
timeline's total number of messages (`~total`: "count:appended then:valid until, ms"), read
from Cassandra's counters by a reader. The total is remembered only if no message was
appended between the reader's page and its counters; later appends advance it, and it is
forgotten after a few seconds so a race with a send in flight cannot last.

A ready timeline has a version, `~gen:~appended:~edits`: the fill's token (new for every
fill, so a timeline that expired and was filled again never repeats a version), the appends
and the edits or deletes since. A reader that names the version it already holds for a page
gets the page's header without its messages when nothing changed.
"""

PRELUDE = """
local epoch = redis.call('GET', KEYS[1]) or '0'
local function keys(name)
  local base = 'chat:' .. epoch .. ':tl:' .. name
  return base .. ':z', base .. ':h'
end
local function trim(z, h, max_len)
  local extra = redis.call('ZCARD', z) - max_len
  if extra > 0 then
    local old = redis.call('ZRANGE', z, 0, extra - 1)
    redis.call('ZREMRANGEBYRANK', z, 0, extra - 1)
    redis.call('HDEL', h, unpack(old))
  end
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function version(h)
  local gen, appended, edits = unpack(redis.call('HMGET', h, '~gen', '~appended', '~edits'))
  return (gen or '') .. ':' .. (appended or '0') .. ':' .. (edits or '0')
end
local function touch(z, h, ttl)
  redis.call('EXPIRE', z, ttl)
  redis.call('EXPIRE', h, ttl)
end
"""

# ARGV: max_len, ttl, sort_key, encoded, name...
APPEND = (
    PRELUDE
    + """
local max_len, ttl, sk, encoded = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
for i = 5, #ARGV do
  local z, h = keys(ARGV[i])
  local state = redis.call('HGET', h, '~state')
  if state then
    redis.call('HINCRBY', h, '~appended', 1)
    redis.call('ZADD', z, 0, sk)
    redis.call('HSET', h, sk, encoded)
    if state == 'ready' then
      trim(z, h, max_len)
      touch(z, h, ttl)
    else
      redis.call('PEXPIRE', z, redis.call('PTTL', h))
    end
  end
end
return 1
"""
)

# ARGV: sort_key, encoded, edited_at_ns, deleted (0|1), name...
# Edits and deletes replace a cached copy, never add one. A deleted entry stays deleted and
# an older edit never replaces a newer one, whatever order the writes arrive in.
REPLACE = (
    PRELUDE
    + """
local sk, encoded, edited, deleted = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
local function superseded(h)
  local old = redis.call('HGET', h, sk)
  if not old then return false end
  local entry = cjson.decode(old)
  if entry.d then return true end
  if deleted then return false end
  return entry.e ~= cjson.null and entry.e > edited
end
for i = 5, #ARGV do
  local z, h = keys(ARGV[i])
  local state = redis.call('HGET', h, '~state')
  if state == 'ready' then
    if redis.call('ZSCORE', z, sk) and not superseded(h) then
      redis.call('HSET', h, sk, encoded)
      redis.call('HINCRBY', h, '~edits', 1)
    end
  elseif state and not superseded(h) then
    redis.call('HSET', h, sk, encoded)
    redis.call('HINCRBY', h, '~edits', 1)
  end
end
return 1
"""
)

# ARGV: name, token, fill_ttl  -> 'started', or the state that was already there
BEGIN_FILL = (
    PRELUDE
    + """
local z, h = keys(ARGV[1])
local state = redis.call('HGET', h, '~state')
if state then return state end
redis.call('DEL', z)
redis.call('HSET', h, '~state', 'filling:' .. ARGV[2])
redis.call('EXPIRE', h, ARGV[3])
return 'started'
"""
)

# ARGV: name, token, max_len, ttl, sort_key1, encoded1, ...  -> 1 when this fill completed
FINISH_FILL = (
    PRELUDE
    + """
local z, h = keys(ARGV[1])
if redis.call('HGET', h, '~state') ~= 'filling:' .. ARGV[2] then return 0 end
for i = 5, #ARGV, 2 do
  redis.call('ZADD', z, 0, ARGV[i])
  redis.call('HSETNX', h, ARGV[i], ARGV[i + 1])
end
trim(z, h, tonumber(ARGV[3]))
redis.call('HSET', h, '~state', 'ready', '~gen', ARGV[2])
touch(z, h, ARGV[4])
return 1
"""
)

# ARGV: name, mode ('offset' | 'before' | 'after'), position, count, version known ('' if none)
#   -> false when not cached, else {cached_count, oldest_sort_key, total (-1 when not
#   remembered), version, more (1 when the cache holds more beyond the page), encoded...};
#   no entries when the version is the one known; 'after' pages run oldest first, the others
#   newest first
READ = (
    PRELUDE
    + """
local z, h = keys(ARGV[1])
if redis.call('HGET', h, '~state') ~= 'ready' then return false end
local mode, count = ARGV[2], tonumber(ARGV[4])
local members
if mode == 'before' then
  members = redis.call('ZREVRANGEBYLEX', z, '(' .. ARGV[3], '-', 'LIMIT', 0, count + 1)
elseif mode == 'after' then
  members = redis.call('ZRANGEBYLEX', z, '(' .. ARGV[3], '+', 'LIMIT', 0, count + 1)
else
  local first = tonumber(ARGV[3])
  members = redis.call('ZREVRANGE', z, first, first + count)
end
local more = 0
if #members > count then
  more = 1
  members[#members] = nil
end
local oldest = redis.call('ZRANGE', z, 0, 0)[1] or ''
local appended = tonumber(redis.call('HGET', h, '~appended') or '0')
local total = -1
local remembered = redis.call('HGET', h, '~total')
if remembered then
  local counted, since, valid_until = string.match(remembered, '^(%d+):(%d+):(%d+)$')
  if valid_until and tonumber(valid_until) > now_ms() then
    total = tonumber(counted) + appended - tonumber(since)
  end
end
local current = version(h)
local result = {redis.call('ZCARD', z), oldest, total, current, more}
if current ~= ARGV[5] and #members > 0 then
  local values = redis.call('HMGET', h, unpack(members))
  for i = 1, #members do result[i + 5] = values[i] or '' end
end
return result
"""
)

# ARGV: name, total, version (as the reader's page saw it), valid_ms  -> 1 when remembered
REMEMBER_TOTAL = (
    PRELUDE
    + """
local z, h = keys(ARGV[1])
if redis.call('HGET', h, '~state') ~= 'ready' then return 0 end
if version(h) ~= ARGV[3] then return 0 end
local appended = redis.call('HGET', h, '~appended') or '0'
redis.call('HSET', h, '~total', ARGV[2] .. ':' .. appended .. ':' .. (now_ms() + tonumber(ARGV[4])))
return 1
"""
)
