-- Sliding-window log: at most limit events in any window-long span. State: a
-- sorted set with one member per event, scored by its instant (µs); an event
-- at t counts while t > now - window. An instant earlier than the newest
-- event is taken as that event's, which keeps the log in order. Members are
-- "<instant>:<i>", i counting the events already logged at that instant, so
-- members are unique without a second key.
check.sl = function(key, limit, window, now, n)
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if newest[2] then now = math.max(now, tonumber(newest[2])) end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local r = {ok = count + n <= limit}
  r.idle_remaining, r.idle_reset = limit - count, us(0)
  if count > 0 then r.idle_reset = us(tonumber(newest[2]) + window - now) end
  if r.ok then
    r.remaining, r.reset = limit - count - n, us(window)
    r.commit = function()
      local at = redis.call('ZCOUNT', key, now, now)
      -- ZADD in batches: unpack cannot spread more than a few thousand
      -- values onto Lua's stack.
      for first = 0, n - 1, 1000 do
        local args = {}
        for i = first, math.min(first + 999, n - 1) do
          args[#args + 1] = now
          args[#args + 1] = string.format('%d:%d', now, at + i)
        end
        redis.call('ZADD', key, unpack(args))
      end
      expire(key, window)
    end
  else
    -- The request fits once the (count + n - limit)th oldest event has left
    -- the window.
    local k = count + n - limit
    local e = redis.call('ZRANGE', key, k - 1, k - 1, 'WITHSCORES')
    r.retry = us(tonumber(e[2]) + window - now)
  end
  return r
end
