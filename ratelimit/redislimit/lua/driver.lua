-- The driver: reads the server's clock once, asks every limit whether it
-- allows n events now, and charges all of them only when all allow, so a
-- decision is atomic across limits and a denied request records nothing.
--
-- KEYS[i]   the state of limit i
-- ARGV[1]   n, the events asked for
-- ARGV[2..] per limit, three values: the algorithm's code and its two
--           parameters (see check)
--
-- Returns {allowed (1|0), remaining, retry-after ns, reset-after ns, index
-- of the limit that bounds the decision}, the durations as decimal strings
-- so that they stay exact beyond 2⁵³ ns.
if redis.replicate_commands then
  redis.replicate_commands() -- Redis < 5 replicates scripts verbatim, TIME included
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local n = tonumber(ARGV[1])

local results = {}
local allowed = true
for i = 1, #KEYS do
  local a = 2 + (i - 1) * 3
  results[i] = check[ARGV[a]](KEYS[i], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), now, n)
  allowed = allowed and results[i].ok
end

-- longer reports whether duration a is longer than b.
local function longer(a, b)
  return a[1] > b[1] or (a[1] == b[1] and a[2] > b[2])
end

-- Remaining and reset describe the state after the decision: charged when
-- allowed, untouched when not. The decision is bounded by the limit with the
-- fewest remaining events when allowed, by the one with the longest
-- retry-after when denied.
local which, remaining, retry, reset = 1, nil, nil, us(0)
for i = 1, #KEYS do
  local r = results[i]
  local rem, rst = r.remaining, r.reset
  if allowed then
    r.commit()
  else
    rem, rst = r.idle_remaining, r.idle_reset
  end
  if allowed and (remaining == nil or rem < remaining) then
    which = i
  elseif not allowed and not r.ok and (retry == nil or longer(r.retry, retry)) then
    which, retry = i, r.retry
  end
  if remaining == nil or rem < remaining then remaining = rem end
  if longer(rst, reset) then reset = rst end
end
local function format(d) return string.format('%d%03d', d[1], d[2]) end
return {allowed and 1 or 0, remaining, format(retry or us(0)), format(reset), which}
