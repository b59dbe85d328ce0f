-- Shared by every limits script (prepended to each). Time is Redis's own
-- clock, so replicas whose clocks differ still agree on every bucket.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local EPSILON = 1e-8

-- A per-minute token bucket refilled continuously up to its per-minute amount.
local function refilled(key, perMinute)
  local level = redis.call('HMGET', key, 't', 'at')
  if not level[1] then return perMinute end
  local tokens = tonumber(level[1]) + (now - tonumber(level[2])) * perMinute / 60000
  if tokens > perMinute then tokens = perMinute end
  return tokens
end

local function setBucket(key, tokens, perMinute)
  redis.call('HSET', key, 't', tostring(tokens), 'at', now)
  -- Gone once full again: a missing bucket reads as full.
  redis.call('PEXPIRE', key, math.ceil((perMinute - tokens) * 60000 / perMinute) + 1000)
end

local function bucketState(tokens, perMinute)
  local remaining = math.floor(tokens)
  if remaining < 0 then remaining = 0 end
  local reset = 0
  if tokens < perMinute then reset = math.ceil((perMinute - tokens) * 60000 / perMinute) end
  return { limit = perMinute, remaining = remaining, resetMs = reset }
end

-- Leases whose replica stopped renewing them are gone, with what they held.
local function purge(running, held)
  local dead = redis.call('ZRANGEBYSCORE', running, '-inf', now)
  if #dead > 0 then
    redis.call('ZREMRANGEBYSCORE', running, '-inf', now)
    redis.call('HDEL', held, unpack(dead))
  end
end

local function heldSum(held)
  local sum = 0
  for _, usd in ipairs(redis.call('HVALS', held)) do sum = sum + tonumber(usd) end
  return sum
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

local function keepLease(running, held, lease, ttl)
  redis.call('ZADD', running, now + ttl, lease)
  redis.call('PEXPIRE', running, ttl + 1000)
  redis.call('PEXPIRE', held, ttl + 1000)
end
