-- GCRA (generic cell rate algorithm): the token bucket kept as one number,
-- the theoretical arrival time (TAT) of the next event at the sustained
-- rate. With T the whole nanoseconds between two events and span = burst×T,
-- a request for n events computes base = max(TAT, now), next = base + n×T,
-- and is allowed when next - now <= span; the TAT becomes next. State: the
-- TAT in nanoseconds since the Unix epoch, as a decimal string. Lua numbers
-- are doubles, exact only below 2⁵³ (104 days in ns), so the script never
-- forms the TAT as a number: it splits the string into microseconds and
-- nanoseconds and computes in nanoseconds relative to now.
check.gcra = function(key, interval, burst, now, n)
  local span = interval * burst
  local base = 0 -- ns from now to max(TAT, now)
  local tat = redis.call('GET', key)
  if tat then
    local micros = tonumber(string.sub(tat, 1, -4))
    if micros >= now then base = (micros - now) * 1000 + tonumber(string.sub(tat, -3)) end
  end
  local function remaining(ahead)
    if ahead >= span then return 0 end
    return math.floor((span - ahead) / interval)
  end
  local next = base + n * interval
  local r = {ok = next <= span}
  r.idle_remaining, r.idle_reset = remaining(base), ns(base)
  if r.ok then
    r.remaining, r.reset = remaining(next), ns(next)
    r.commit = function()
      local micros = now + math.floor(next / 1000)
      redis.call('SET', key, string.format('%d%03d', micros, next % 1000), 'PX', math.max(math.ceil(next / 1e6), 1))
    end
  else
    r.retry = ns(next - span)
  end
  return r
end
