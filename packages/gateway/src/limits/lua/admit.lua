-- Admit one request against every subject, or refuse it and take nothing.
-- KEYS, three a subject: its buckets, its leases, the settled spend of its budget period (see common.lua).
--   When the request queues, three more at the end: its line (zset lease -> arrival number),
--   the line's tickets (zset lease -> expiry), the line's arrival counter.
-- ARGV: lease, lease ttl ms, tpm tokens, reserved usd, queues (1 or 0), then six a subject:
--   rpm, tpm, concurrency, budget usd (0 = none of each), ledger spend, period end (ms, 0 = none).
local lease, ttl, need, cost, queues = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local count = #KEYS / 3
if queues then count = (#KEYS - 3) / 3 end
local states, refusal = {}, nil
local level = {}

for i = 0, count - 1 do
  local k, a = i * 3, 5 + i * 6
  local rpm, tpm, concurrency, usd = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local leases = leasesOf(KEYS[k + 2])
  local l = { running = leases.count, held = leases.held }
  if rpm > 0 or tpm > 0 then
    local b = bucketsOf(KEYS[k + 1])
    if rpm > 0 then l.requests = refilled(b[1], b[2], rpm) end
    if tpm > 0 then l.tokens = refilled(b[3], b[4], tpm) end
  end
  if usd > 0 then l.spent = spentOf(KEYS[k + 3], ARGV[a + 5], tonumber(ARGV[a + 6])) end
  level[i + 1] = l
  if not refusal then
    if rpm > 0 and l.requests < 1 then
      refusal = { kind = 'rpm', index = i, retryAfterMs = math.ceil((1 - l.requests) * 60000 / rpm) }
    elseif tpm > 0 and need > tpm then
      refusal = { kind = 'tpm', index = i, retryAfterMs = -1 }
    elseif tpm > 0 and l.tokens < need then
      refusal = { kind = 'tpm', index = i, retryAfterMs = math.ceil((need - l.tokens) * 60000 / tpm) }
    elseif concurrency > 0 and l.running >= concurrency then
      refusal = { kind = 'concurrency', index = i, retryAfterMs = -1 }
    elseif usd > 0 and l.spent + l.held + cost > usd + EPSILON then
      refusal = { kind = 'budget', index = i, retryAfterMs = -1 }
    end
  end
end

-- First come, first served across replicas: nobody passes an earlier waiter of the same line.
if queues then
  local line, tickets, arrivals = KEYS[#KEYS - 2], KEYS[#KEYS - 1], KEYS[#KEYS]
  -- A waiter whose replica died, or stopped renewing its ticket, no longer holds the line.
  local dead = redis.call('ZRANGEBYSCORE', tickets, '-inf', now)
  if #dead > 0 then
    redis.call('ZREM', tickets, unpack(dead))
    redis.call('ZREM', line, unpack(dead))
  end
  local head = redis.call('ZRANGE', line, 0, 0)[1]
  if not refusal and head and head ~= lease then refusal = { kind = 'queue', index = 0, retryAfterMs = -1, ahead = head } end
  if refusal and (refusal.kind == 'rpm' or refusal.kind == 'concurrency' or refusal.kind == 'queue') then
    if not redis.call('ZSCORE', line, lease) then redis.call('ZADD', line, redis.call('INCR', arrivals), lease) end
    redis.call('ZADD', tickets, now + ttl, lease)
    for _, key in ipairs({ line, tickets, arrivals }) do redis.call('PEXPIRE', key, ttl + 1000) end
  elseif head then
    redis.call('ZREM', line, lease)
    redis.call('ZREM', tickets, lease)
  end
end

for i = 0, count - 1 do
  local k, a = i * 3, 5 + i * 6
  local rpm, tpm, concurrency, usd = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local l = level[i + 1]
  if not refusal then
    if rpm > 0 then l.requests = l.requests - 1 end
    if tpm > 0 then l.tokens = l.tokens - need end
    setBuckets(KEYS[k + 1], rpm, l.requests, tpm, l.tokens)
    local held = 0
    if usd > 0 then held = cost end
    keepLease(KEYS[k + 2], lease, ttl, held)
    l.held = l.held + held
    l.running = l.running + 1
  end
  local state = { running = l.running }
  if rpm > 0 then state.requests = bucketState(l.requests, rpm) end
  if tpm > 0 then state.tokens = bucketState(l.tokens, tpm) end
  if concurrency > 0 then state.concurrency = concurrency end
  if usd > 0 then state.budget = budgetState(usd, l.spent, l.held, tonumber(ARGV[a + 6])) end
  states[i + 1] = state
end

return cjson.encode({ admitted = refusal == nil, refusal = refusal or false, states = states })
