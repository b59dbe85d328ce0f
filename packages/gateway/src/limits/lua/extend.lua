-- Reserve more output tokens for a running lease against every budget: all
-- asked for, or as many as every budget has room for (down to a least), or none.
-- KEYS, two a budget subject: its leases, the settled spend of its period (see common.lua).
-- ARGV: lease, lease ttl ms, usd a token, tokens wanted, least tokens worth granting,
--   then three a subject: budget usd, ledger spend, period end (ms, 0 = none).
local lease, ttl, unit, wanted, least = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local count = #KEYS / 2
local left = nil
local held = {}

for i = 0, count - 1 do
  local k, a = i * 2, 5 + i * 3
  local leases = leasesOf(KEYS[k + 1])
  held[i + 1] = leases.usd[lease] or 0
  local l = tonumber(ARGV[a + 1]) - spentOf(KEYS[k + 2], ARGV[a + 2], tonumber(ARGV[a + 3])) - leases.held
  if left == nil or l < left then left = l end
end
left = left or 0

-- Whole tokens only, as tokensGranted() counts them.
local tokens = math.floor((left + EPSILON) / unit)
if tokens > wanted then tokens = wanted end
if tokens < least or tokens < 1 then tokens = 0 end
local cost = tokens * unit

if tokens > 0 then
  for i = 0, count - 1 do keepLease(KEYS[i * 2 + 1], lease, ttl, held[i + 1] + cost) end
end

local remaining = left - cost
if remaining < 0 then remaining = 0 end
return cjson.encode({ tokens = tokens, budgetRemaining = remaining })
