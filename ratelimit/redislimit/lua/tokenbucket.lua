-- Token bucket, kept as x/time/rate keeps it but in integers: the bucket's
-- content is a credit in nanoseconds of refill, at most span = burst×T where
-- T is the whole nanoseconds between two tokens; n events need n×T. State: a
-- hash holding the credit (c, ns) and the instant it was counted (l, µs).
-- A missing key is a full bucket. An instant before l adds no credit.
check.tb = function(key, interval, burst, now, n)
  local span = interval * burst
  local state = redis.call('HMGET', key, 'c', 'l')
  local credit, last = span, now
  if state[1] then
    credit, last = tonumber(state[1]), tonumber(state[2])
    if now > last then credit = math.min(credit + (now - last) * 1000, span) end
  end
  local need = n * interval
  local r = {ok = credit >= need}
  r.idle_remaining, r.idle_reset = math.floor(credit / interval), ns(span - credit)
  if r.ok then
    local left = credit - need
    r.remaining, r.reset = math.floor(left / interval), ns(span - left)
    r.commit = function()
      redis.call('HSET', key, 'c', left, 'l', math.max(last, now))
      expire(key, (span - left) / 1000)
    end
  else
    r.retry = ns(need - credit)
  end
  return r
end
