-- Reserve more of every budget for a running lease, or nothing.
-- KEYS, three a budget subject: running leases, held reservations, settled spend of the period.
-- ARGV: lease, lease ttl ms, usd wanted, then three a subject: budget usd, ledger spend, period end (ms, 0 = none).
local lease, ttl, cost = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local count = #KEYS / 3
local granted, least = true, nil
local remaining = {}

for i = 0, count - 1 do
  local k, a = i * 3, 3 + i * 3
  purge(KEYS[k + 1], KEYS[k + 2])
  local left = tonumber(ARGV[a + 1]) - spentOf(KEYS[k + 3], ARGV[a + 2], tonumber(ARGV[a + 3])) - heldSum(KEYS[k + 2])
  if left + EPSILON < cost then granted = false end
  remaining[i + 1] = left
end

for i = 0, count - 1 do
  local k = i * 3
  local left = remaining[i + 1]
  if granted then
    redis.call('HINCRBYFLOAT', KEYS[k + 2], lease, tostring(cost))
    keepLease(KEYS[k + 1], KEYS[k + 2], lease, ttl)
    left = left - cost
  end
  if left < 0 then left = 0 end
  if least == nil or left < least then least = left end
end

return cjson.encode({ granted = granted, budgetRemaining = least or 0 })
