-- check maps an algorithm's code to its function. Each function takes
-- (key, its two parameters, now in µs, n) and returns a table:
--   ok              whether the limit allows n events now
--   remaining       events still allowed after this decision if charged
--   reset           time until the limit is back to full if charged
--   idle_remaining  the same two, if not charged
--   idle_reset
--   retry           when not ok, time until n events would be allowed
--   commit          function that records the n events
-- Times are durations as built by us() or ns() below.
local check = {}

-- A duration is a pair {µs, ns} with ns in [0, 1000): exact beyond 2⁵³ ns,
-- which a single Lua number (a double) is not.
local function us(v) return {v, 0} end
local function ns(v)
  local sub = v % 1000
  return {(v - sub) / 1000, sub}
end

-- expire sets key to vanish after micros microseconds (at least 1 ms):
-- every key a script writes carries an expiry, so idle limits cost no
-- memory.
local function expire(key, micros)
  local ms = math.ceil(micros / 1000)
  if ms < 1 then ms = 1 end
  redis.call('PEXPIRE', key, ms)
end
