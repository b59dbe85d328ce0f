-- A replica's heartbeat: its running leases live on for another ttl.
-- KEYS, one a lease and subject: the subject's leases. ARGV: ttl ms, then the lease of each.
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  local value = redis.call('HGET', KEYS[i], ARGV[i + 1])
  -- A lease settled meanwhile stays gone.
  if value then keepLease(KEYS[i], ARGV[i + 1], ttl, string.sub(value, string.find(value, ':', 1, true) + 1)) end
end
return 1
