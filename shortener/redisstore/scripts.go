package redisstore

import "github.com/redis/go-redis/v9"

// The scripts share two helpers. Times are decimal integers of
// microseconds, compared as strings (sign, then length, then bytes), which
// is exact at any size where Lua's numbers (doubles) would round past
// 2^53 µs, in the year 2255.
//
// live(k, now) returns 1 when the link data at k is live at now, 0 when it
// is absent or expired, and -1 when it is not a link (another type, a
// missing or empty URL, a creation time or expiry that is not an integer,
// an expiry not after the creation time): the checks of Link.Check that
// bear on the fields the scripts use. A live link's creation time is its
// second result.
const helpers = `
local function lt(a, b)
  local na, nb = string.sub(a, 1, 1) == '-', string.sub(b, 1, 1) == '-'
  if na ~= nb then return na end
  if na then a, b = string.sub(b, 2), string.sub(a, 2) end
  if #a ~= #b then return #a < #b end
  return a < b
end
local function live(k, now)
  local v = redis.pcall('HMGET', k, 'u', 'c', 'e')
  if v.err then return -1 end
  if not v[1] and not v[2] and not v[3] then return 0 end
  local int = '^%-?%d+$'
  if not v[1] or v[1] == '' or not v[2] or not string.match(v[2], int) then return -1 end
  local e = v[3]
  if e then
    if not string.match(e, int) or not lt(v[2], e) then return -1 end
    if not lt(now, e) then return 0 end
  end
  return 1, v[2]
end
`

// Results of the scripts.
const (
	resNotFound = 0  // no reservation: the code was never used
	resGone     = 1  // a reservation without a live link
	resOK       = 2  // done
	resInvalid  = 3  // the update's expiry is not after the stored creation time
	resCorrupt  = -1 // the stored data is not a link
)

// createScript claims a code: KEYS[1] the link, KEYS[2] the reservation,
// KEYS[3] (only off a Cluster) the recent list. ARGV: URL, created,
// expires ("" = never), data TTL in ms (0 = none, negative = the link is
// already past its grace and only the reservation is written), the code,
// the recent list's bound. It returns 1 when the code was claimed, 0 when
// it was taken.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local ttl = tonumber(ARGV[4])
if KEYS[3] and ttl >= 0 then
  -- First: a recent list that is not a sorted set fails the script
  -- before it has written anything.
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[5])
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[6]) + 1))
end
redis.call('HSET', KEYS[2], 'n', 0)
if ttl < 0 then return 1 end
redis.call('DEL', KEYS[1])
if ARGV[3] == '' then
  redis.call('HSET', KEYS[1], 'u', ARGV[1], 'c', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'u', ARGV[1], 'c', ARGV[2], 'e', ARGV[3])
end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`)

// getScript answers a Get whose link has no data, atomically with its
// reservation: KEYS[1] the link, KEYS[2] the reservation. It returns 0 for
// a code never used, else the link's u, c and e (nil when absent).
var getScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
return redis.call('HMGET', KEYS[1], 'u', 'c', 'e')
`)

// updateScript replaces the URL and expiry of a live link: KEYS[1] the
// link, KEYS[2] the reservation. ARGV: now, URL, expires ("" = never),
// data TTL in ms as for createScript. It returns a res* value.
var updateScript = redis.NewScript(helpers + `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local s, c = live(KEYS[1], ARGV[1])
if s == -1 then return -1 end
if s == 0 then return 1 end
if ARGV[3] ~= '' and not lt(c, ARGV[3]) then return 3 end
redis.call('HSET', KEYS[1], 'u', ARGV[2])
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], 'e')
else
  redis.call('HSET', KEYS[1], 'e', ARGV[3])
end
local ttl = tonumber(ARGV[4])
if ttl < 0 then
  redis.call('DEL', KEYS[1])
elseif ttl == 0 then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 2
`)

// deleteScript deletes a live link's data, keeping its reservation:
// KEYS[1] the link, KEYS[2] the reservation, KEYS[3] (only off a Cluster)
// the recent list. ARGV: now, the code. It returns a res* value.
var deleteScript = redis.NewScript(helpers + `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local s = live(KEYS[1], ARGV[1])
if s == -1 then return -1 end
if s == 0 then return 1 end
if KEYS[3] then redis.call('ZREM', KEYS[3], ARGV[2]) end
redis.call('DEL', KEYS[1])
return 2
`)

// clickScript adds clicks to a live link's reservation: KEYS[1] the link,
// KEYS[2] the reservation. ARGV: now, the count. It returns 1 when added,
// 0 when the code has no live link, -1 when the stored data is not a link
// or the count not an integer.
var clickScript = redis.NewScript(helpers + `
local s = live(KEYS[1], ARGV[1])
if s ~= 1 then return s end
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local r = redis.pcall('HINCRBY', KEYS[2], 'n', ARGV[2])
if type(r) == 'table' and r.err then return -1 end
return 1
`)
