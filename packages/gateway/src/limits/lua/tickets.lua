-- A replica's heartbeat for its requests waiting in a queue: their tickets live on for another ttl.
-- KEYS, one a ticket: its line's tickets (zset lease -> expiry). ARGV: ttl ms, then the lease of each.
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  -- A ticket that expired or was used meanwhile stays gone.
  if redis.call('ZSCORE', KEYS[i], ARGV[i + 1]) then redis.call('ZADD', KEYS[i], 'XX', now + ttl, ARGV[i + 1]) end
end
return 1
