-- How one subject stands now. KEYS: the three of one subject (as admit).
-- ARGV: rpm, tpm, concurrency, budget usd (0 = none of each), ledger spend, period end (ms, 0 = none).
local rpm, tpm, concurrency, usd = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local leases = leasesOf(KEYS[2])
local state = { running = leases.count }
local b = bucketsOf(KEYS[1])
if rpm > 0 then state.requests = bucketState(refilled(b[1], b[2], rpm), rpm) end
if tpm > 0 then state.tokens = bucketState(refilled(b[3], b[4], tpm), tpm) end
if concurrency > 0 then state.concurrency = concurrency end
if usd > 0 then state.budget = budgetState(usd, spentOf(KEYS[3], ARGV[5], tonumber(ARGV[6])), leases.held, tonumber(ARGV[6])) end
return cjson.encode(state)
