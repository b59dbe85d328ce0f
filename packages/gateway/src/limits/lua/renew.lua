-- A replica's heartbeat: its running leases live on for another ttl.
-- KEYS, two a lease and subject: running leases, held reservations. ARGV: ttl ms, then the lease of each pair.
local ttl = tonumber(ARGV[1])
for i = 0, #KEYS / 2 - 1 do
  local running, lease = KEYS[i * 2 + 1], ARGV[i + 2]
  -- A lease settled meanwhile stays gone.
  if redis.call('ZSCORE', running, lease) then keepLease(running, KEYS[i * 2 + 2], lease, ttl) end
end
return 1
