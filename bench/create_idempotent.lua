-- POST a new user with a unique email and a unique Idempotency-Key on every request
-- (wrk -s create_idempotent.lua): the cost of the key's bookkeeping beside plain create.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  -- Unseeded, LuaJIT's math.random repeats itself in every wrk process: a second run against the
  -- same database would send the first run's emails again and get 409s.
  math.randomseed(os.time() * 100 + id)
end

request = function()
  counter = counter + 1
  local token = string.format("%d-%d-%d", id, counter, math.random(1, 1000000000))
  local body = string.format('{"name": "Bench %d", "email": "idem-%s@example.com"}', counter, token)
  return wrk.format("POST", "/people/v1/users", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. token,
  }, body)
end
