-- Admit one request against every subject, or refuse it and take nothing.
-- KEYS, five a subject: rpm bucket, tpm bucket, running leases (zset lease -> expiry),
--   held reservations (hash lease -> usd), settled spend of the budget period.
-- ARGV: lease, lease ttl ms, tpm tokens, reserved usd, then six a subject:
--   rpm, tpm, concurrency, budget usd (0 = none of each), ledger spend, period end (ms, 0 = none).
local lease, ttl, need, cost = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local count = #KEYS / 5
local states, refusal = {}, nil
local level = {}

for i = 0, count - 1 do
  local k, a = i * 5, 4 + i * 6
  local rpm, tpm, concurrency, usd = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  purge(KEYS[k + 3], KEYS[k + 4])
  local l = { running = redis.call('ZCARD', KEYS[k + 3]) }
  if rpm > 0 then l.requests = refilled(KEYS[k + 1], rpm) end
  if tpm > 0 then l.tokens = refilled(KEYS[k + 2], tpm) end
  if usd > 0 then
    l.spent = spentOf(KEYS[k + 5], ARGV[a + 5], tonumber(ARGV[a + 6]))
    l.held = heldSum(KEYS[k + 4])
  end
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

for i = 0, count - 1 do
  local k, a = i * 5, 4 + i * 6
  local rpm, tpm, concurrency, usd = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local l = level[i + 1]
  if not refusal then
    if rpm > 0 then l.requests = l.requests - 1; setBucket(KEYS[k + 1], l.requests, rpm) end
    if tpm > 0 then l.tokens = l.tokens - need; setBucket(KEYS[k + 2], l.tokens, tpm) end
    if usd > 0 then
      redis.call('HSET', KEYS[k + 4], lease, tostring(cost))
      l.held = l.held + cost
    end
    keepLease(KEYS[k + 3], KEYS[k + 4], lease, ttl)
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
