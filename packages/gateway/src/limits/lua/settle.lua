-- A lease ends: free its slot, give back the tpm it reserved and did not use,
-- and replace its budget reservation by the real cost.
-- KEYS, three a subject (as admit). ARGV: lease, reserved tokens, used tokens, cost usd,
--   then five a subject: rpm, tpm (0 = none of each), budget usd (0 = none), ledger spend, period end (ms, 0 = none).
local lease, reserved, used, cost = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
for i = 0, #KEYS / 3 - 1 do
  local k, a = i * 3, 4 + i * 5
  local rpm, tpm, usd = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  if tpm > 0 then
    local b = bucketsOf(KEYS[k + 1])
    -- A missing tpm bucket is full: nothing to give back.
    if b[3] then
      local tokens = refilled(b[3], b[4], tpm) + reserved - used
      if tokens > tpm then tokens = tpm end
      local requests = 0
      if rpm > 0 then requests = refilled(b[1], b[2], rpm) end
      setBuckets(KEYS[k + 1], rpm, requests, tpm, tokens)
    end
  end
  redis.call('HDEL', KEYS[k + 2], lease)
  if usd > 0 then
    spentOf(KEYS[k + 3], ARGV[a + 4], tonumber(ARGV[a + 5]))
    redis.call('INCRBYFLOAT', KEYS[k + 3], cost)
  end
end
return 1
