-- Sliding-window counter: the count of the current fixed window plus the
-- previous window's count weighted by the share of the previous window the
-- sliding window (now - window, now] still covers. State: a hash holding the
-- current window's start (w, µs), its count (c) and the previous window's
-- count (p). An instant earlier than the stored window counts as its start.
-- Every product below is at most limit × window (µs) ≤ 2⁵², which the
-- constructor checks, so the arithmetic on Lua's doubles is exact.
check.sw = function(key, limit, window, now, n)
  local start, cur, prev = now - now % window, 0, 0
  local state = redis.call('HMGET', key, 'w', 'c', 'p')
  local w = tonumber(state[1])
  local rolled = w ~= nil and w < start
  if w and w >= start then
    start, cur, prev = w, tonumber(state[2]), tonumber(state[3])
  elseif w and w == start - window then
    prev = tonumber(state[2])
  end
  local elapsed = math.max(now - start, 0)
  local used = math.ceil(prev * (window - elapsed) / window) + cur
  local function reset(c)
    if c > 0 then return us(start + 2 * window - now) end
    if prev > 0 then return us(start + window - now) end
    return us(0)
  end
  local function save(c)
    redis.call('HSET', key, 'w', start, 'c', c, 'p', prev)
    expire(key, start + 2 * window - now)
  end
  -- before(t, x, y) is t µs less floor(x × window / y) in nanoseconds (the
  -- window taken in ns, as the in-process counter does), at least zero.
  local function before(t, x, y)
    local p = x * window
    local q = math.floor(p / y)
    local sub = math.floor((p - q * y) * 1000 / y)
    t = t - q
    if sub > 0 then t, sub = t - 1, 1000 - sub end
    if t < 0 then return us(0) end
    return {t, sub}
  end

  local r = {ok = used + n <= limit}
  r.idle_remaining, r.idle_reset = math.max(limit - used, 0), reset(cur)
  if r.ok then
    r.remaining, r.reset = math.max(limit - used - n, 0), reset(cur + n)
    r.commit = function() save(cur + n) end
  else
    -- Moving to the current window is no charge, and recording it keeps
    -- the state what the in-process counter holds should the clock step
    -- back.
    if rolled then save(cur) end
    local free = limit - n - cur
    if free >= 0 then
      -- Fits in this window once prev's weight has fallen to free.
      r.retry = before(start + window - now, free, prev)
    else
      -- Fits only in the next window, where cur becomes the previous count.
      r.retry = before(start + 2 * window - now, limit - n, cur)
    end
  end
  return r
end
