-- A lease ends: free its slot, give back the tpm it reserved and did not use,
-- and replace its budget reservation by the real cost.
-- KEYS, five a subject (as admit). ARGV: lease, reserved tokens, used tokens, cost usd,
--   then four a subject: tpm (0 = none), budget usd (0 = none), ledger spend, period end (ms, 0 = none).
local lease, reserved, used, cost = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
for i = 0, #KEYS / 5 - 1 do
  local k, a = i * 5, 4 + i * 4
  local tpm, usd = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  if tpm > 0 and redis.call('EXISTS', KEYS[k + 2]) == 1 then
    local tokens = refilled(KEYS[k + 2], tpm) + reserved - used
    if tokens > tpm then tokens = tpm end
    setBucket(KEYS[k + 2], tokens, tpm)
  end
  redis.call('ZREM', KEYS[k + 3], lease)
  if usd > 0 then
    redis.call('HDEL', KEYS[k + 4], lease)
    spentOf(KEYS[k + 5], ARGV[a + 3], tonumber(ARGV[a + 4]))
    redis.call('INCRBYFLOAT', KEYS[k + 5], cost)
  end
end
return 1
