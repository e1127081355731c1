-- GCRA alone, the script of a single GCRA limiter: the arithmetic of
-- gcra.lua written straight through, without the driver's tables and
-- closures, since GCRA is the limiter most callers pick and the one whose
-- cost per decision matters most. Same keys, arguments and reply as the
-- driver (see driver.lua): KEYS[1]; ARGV n, 'gcra', interval (ns), burst.
if redis.replicate_commands then
  redis.replicate_commands() -- Redis < 5 replicates scripts verbatim, TIME included
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local n, interval, burst = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
local span = interval * burst
local base = 0 -- ns from now to max(TAT, now)
local tat = redis.call('GET', KEYS[1])
if tat then
  local micros = tonumber(string.sub(tat, 1, -4))
  if micros >= now then base = (micros - now) * 1000 + tonumber(string.sub(tat, -3)) end
end
local next = base + n * interval
if next > span then
  local remaining = 0
  if base < span then remaining = math.floor((span - base) / interval) end
  return {0, remaining, string.format('%d', next - span), string.format('%d', base), 1}
end
redis.call('SET', KEYS[1], string.format('%d%03d', now + math.floor(next / 1000), next % 1000),
  'PX', math.max(math.ceil(next / 1e6), 1))
return {1, math.floor((span - next) / interval), '0', string.format('%d', next), 1}
