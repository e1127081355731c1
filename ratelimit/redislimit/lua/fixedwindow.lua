-- Fixed window: at most limit events in each window, windows aligned to the
-- Unix epoch (the window holding t starts at t - t % window). State: a hash
-- holding the current window's start (w, µs) and its count (c). A count from
-- an earlier window reads as zero; an instant earlier than the stored window
-- (the server's clock stepped back) counts in the stored window.
check.fw = function(key, limit, window, now, n)
  local start, count = now - now % window, 0
  local state = redis.call('HMGET', key, 'w', 'c')
  local w = tonumber(state[1])
  if w and w >= start then start, count = w, tonumber(state[2]) end
  local finish = start + window - now
  local function reset(c)
    if c > 0 then return us(finish) end
    return us(0)
  end
  local r = {ok = count + n <= limit}
  r.idle_remaining, r.idle_reset = limit - count, reset(count)
  if r.ok then
    r.remaining, r.reset = limit - count - n, us(finish)
    r.commit = function()
      redis.call('HSET', key, 'w', start, 'c', count + n)
      expire(key, finish)
    end
  else
    r.retry = us(finish)
  end
  return r
end
