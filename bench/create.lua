-- POST a new user with a unique email on every request (wrk -s create.lua).
local counter = 0
local thread_id = 0
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
  local body = string.format('{"name": "Bench %d", "email": "bench-%d-%d-%d@example.com"}', counter, id, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/people/v1/users", {["Content-Type"] = "application/json"}, body)
end
