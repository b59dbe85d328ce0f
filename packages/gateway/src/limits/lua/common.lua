-- Shared by every limits script (prepended to each). Time is Redis's own
-- clock, so replicas whose clocks differ still agree on every bucket.
-- Each redis.call costs several microseconds inside a script, far more than
-- the Lua around it, so a subject keeps its state in three keys read with
-- one call each: its buckets (one hash for rpm and tpm), its leases (one
-- hash, lease -> "expiry:usd held") and its period's settled spend.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local EPSILON = 1e-8

-- The stored levels of both buckets: requests (r, at ra) and tokens (t, at ta).
local function bucketsOf(key)
  return redis.call('HMGET', key, 'r', 'ra', 't', 'ta')
end

-- A per-minute bucket's level now, refilled continuously up to its per-minute amount; a missing one is full.
local function refilled(level, at, perMinute)
  if not level then return perMinute end
  local tokens = tonumber(level) + (now - tonumber(at)) * perMinute / 60000
  if tokens > perMinute then tokens = perMinute end
  return tokens
end

local function refillMs(tokens, perMinute)
  if tokens >= perMinute then return 0 end
  return math.ceil((perMinute - tokens) * 60000 / perMinute)
end

-- Store both buckets' levels (0 per minute: that bucket is not limited).
local function setBuckets(key, rpm, requests, tpm, tokens)
  local fields, ms = {}, 0
  if rpm > 0 then
    fields[#fields + 1], fields[#fields + 2], fields[#fields + 3], fields[#fields + 4] = 'r', tostring(requests), 'ra', now
    ms = math.max(ms, refillMs(requests, rpm))
  end
  if tpm > 0 then
    fields[#fields + 1], fields[#fields + 2], fields[#fields + 3], fields[#fields + 4] = 't', tostring(tokens), 'ta', now
    ms = math.max(ms, refillMs(tokens, tpm))
  end
  if #fields == 0 then return end
  redis.call('HSET', key, unpack(fields))
  -- Gone once both are full again: a missing bucket reads as full.
  redis.call('PEXPIRE', key, ms + 1000)
end

local function bucketState(tokens, perMinute)
  local remaining = math.floor(tokens)
  if remaining < 0 then remaining = 0 end
  return { limit = perMinute, remaining = remaining, resetMs = refillMs(tokens, perMinute) }
end

-- The live leases of a subject: how many, what they hold, and each one's usd.
-- Leases whose replica stopped renewing them are gone, with what they held.
local function leasesOf(key)
  local all = redis.call('HGETALL', key)
  local live = { count = 0, held = 0, usd = {} }
  local dead = {}
  for i = 1, #all, 2 do
    local value = all[i + 1]
    local sep = string.find(value, ':', 1, true)
    if tonumber(string.sub(value, 1, sep - 1)) <= now then
      dead[#dead + 1] = all[i]
    else
      local usd = tonumber(string.sub(value, sep + 1))
      live.count = live.count + 1
      live.held = live.held + usd
      live.usd[all[i]] = usd
    end
  end
  if #dead > 0 then redis.call('HDEL', key, unpack(dead)) end
  return live
end

-- A lease lives on for another ttl, holding `usd`.
local function keepLease(key, lease, ttl, usd)
  redis.call('HSET', key, lease, (now + ttl) .. ':' .. tostring(usd))
  redis.call('PEXPIRE', key, ttl + 1000)
end

-- The period's settled spend; a period Redis holds nothing for starts from the ledger's figure.
local function spentOf(key, ledgerSpent, expireAt)
  local spent = redis.call('GET', key)
  if spent then return tonumber(spent) end
  redis.call('SET', key, ledgerSpent)
  if expireAt > 0 then redis.call('PEXPIREAT', key, expireAt) end
  return tonumber(ledgerSpent)
end

local function budgetState(usd, spent, held, resetsAt)
  local remaining = usd - spent - held
  if remaining < 0 then remaining = 0 end
  return { usd = usd, spent = spent, held = held, remaining = remaining, resetsAt = resetsAt }
end
