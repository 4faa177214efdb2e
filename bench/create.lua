-- POST a new user with a unique email on every request (wrk -s create.lua URL); with `-- keyed`,
-- each also carries a unique Idempotency-Key: the cost of the key's bookkeeping beside plain create.
local counter = 0
local threads = {}
local keyed = false

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  keyed = args[1] == "keyed"
  -- Unseeded, LuaJIT's math.random repeats itself in every wrk process: a second run against the
  -- same database would send the first run's emails again and get 409s.
  math.randomseed(os.time() * 100 + id)
end

request = function()
  counter = counter + 1
  local token = string.format("%d-%d-%d", id, counter, math.random(1, 1000000000))
  local body = string.format('{"name": "Bench %d", "email": "bench-%s@example.com"}', counter, token)
  local headers = {["Content-Type"] = "application/json"}
  if keyed then
    headers["Idempotency-Key"] = "bench-" .. token
  end
  return wrk.format("POST", "/people/v1/users", headers, body)
end
