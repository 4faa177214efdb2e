-- A mixed load for `nox -s bench` (wrk -s bench-mixed.lua URL -- IDS_FILE THREADS FIRST): of every 20
-- requests, 10 get a user, 6 list 20 users, 3 create a user and 1 patches a user with If-Match. Each
-- PATCH names a user no other request patches, still at version 1, so its If-Match "1" holds and the
-- answer is a 200: the users from the FIRST-th id on (0-based), so that each run patches its own.
local ids = {}
local threads = {}
local counter = 0
local patched = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    table.insert(ids, line)
  end
  nthreads = tonumber(args[2])
  first = tonumber(args[3] or "0")
  -- Unseeded, LuaJIT's math.random repeats itself in every wrk process (emails would collide).
  math.randomseed(os.time() * 100 + id)
end

request = function()
  counter = counter + 1
  local slot = counter % 20
  if slot < 10 then
    return wrk.format("GET", "/people/v1/users/" .. ids[math.random(#ids)])
  elseif slot < 16 then
    return wrk.format("GET", "/people/v1/users?limit=20")
  elseif slot < 19 then
    local body = string.format('{"name": "Mixed %d", "email": "mixed-%d-%d-%d@example.com"}',
      counter, id, counter, math.random(1, 1000000000))
    return wrk.format("POST", "/people/v1/users", {["Content-Type"] = "application/json"}, body)
  else
    patched = patched + 1
    local target = ids[(first + id + patched * nthreads) % #ids + 1]
    return wrk.format("PATCH", "/people/v1/users/" .. target, {
      ["Content-Type"] = "application/merge-patch+json",
      ["If-Match"] = '"1"',
    }, '{"name": "Patched"}')
  end
end
