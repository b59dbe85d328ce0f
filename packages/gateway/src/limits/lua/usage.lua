-- How one subject stands now. KEYS: the five of one subject (as admit).
-- ARGV: rpm, tpm, concurrency, budget usd (0 = none of each), ledger spend, period end (ms, 0 = none).
local rpm, tpm, concurrency, usd = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
purge(KEYS[3], KEYS[4])
local state = { running = redis.call('ZCARD', KEYS[3]) }
if rpm > 0 then state.requests = bucketState(refilled(KEYS[1], rpm), rpm) end
if tpm > 0 then state.tokens = bucketState(refilled(KEYS[2], tpm), tpm) end
if concurrency > 0 then state.concurrency = concurrency end
if usd > 0 then state.budget = budgetState(usd, spentOf(KEYS[5], ARGV[5], tonumber(ARGV[6])), heldSum(KEYS[4]), tonumber(ARGV[6])) end
return cjson.encode(state)
