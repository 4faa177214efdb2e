-- Mixed soak load (wrk -s mixed.lua): 60 % GET one user, 20 % list a page, 15 % POST a user with a
-- unique email, 5 % PATCH a user with If-Match set to the last ETag this thread saw for it.
-- Reads SOAK_TOKEN (an API key) and SOAK_USER_IDS (comma-separated seed users, version 1).
-- Each thread counts statuses and requests by kind; done() prints them for bench/soak.py.
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("SOAK_TOKEN")
  -- Every user this thread has seen, and the ETag it last saw for each.
  ids = {}
  etags = {}
  for id in string.gmatch(os.getenv("SOAK_USER_IDS"), "[^,]+") do
    table.insert(ids, id)
    etags[id] = '"1"'
  end
  counter = 0
  statuses = {}
  kinds = {get = 0, list = 0, create = 0, patch = 0}
  math.randomseed(os.time() + thread_number * 7919)
end

local function headers(extra)
  local h = {["Authorization"] = "Bearer " .. token}
  for name, value in pairs(extra or {}) do
    h[name] = value
  end
  return h
end

local function known()
  return ids[math.random(#ids)]
end

request = function()
  local roll = math.random(100)
  if roll <= 60 then
    kinds.get = kinds.get + 1
    return wrk.format("GET", "/people/v1/users/" .. known(), headers())
  elseif roll <= 80 then
    kinds.list = kinds.list + 1
    return wrk.format("GET", "/people/v1/users?limit=10", headers())
  elseif roll <= 95 then
    kinds.create = kinds.create + 1
    counter = counter + 1
    local body = string.format(
      '{"name": "Soak %d", "email": "soak-%d-%d-%d@example.com"}',
      counter, thread_number, counter, math.random(1, 1000000000)
    )
    return wrk.format("POST", "/people/v1/users", headers({["Content-Type"] = "application/json"}), body)
  end
  kinds.patch = kinds.patch + 1
  counter = counter + 1
  local id = known()
  local body = string.format('{"name": "Soak patched %d"}', counter)
  return wrk.format(
    "PATCH", "/people/v1/users/" .. id,
    headers({["Content-Type"] = "application/merge-patch+json", ["If-Match"] = etags[id]}),
    body
  )
end

response = function(status, response_headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  -- One user's body with its ETag (a GET, a create or a PATCH): remember its latest version.
  local etag = response_headers["ETag"] or response_headers["etag"]
  if etag == nil then
    return
  end
  local id = string.match(body, '"id"%s*:%s*"([%x%-]+)"')
  if id == nil then
    return
  end
  if etags[id] == nil then
    if #ids < 2000 then
      table.insert(ids, id)
    else
      ids[math.random(#ids)] = id
    end
  end
  etags[id] = etag
end

function done(summary, latency, requests)
  -- One line per figure, "soak <name> <value>", summed over threads.
  local total_statuses = {}
  local total_kinds = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total_statuses[status] = (total_statuses[status] or 0) + count
    end
    for kind, count in pairs(thread:get("kinds")) do
      total_kinds[kind] = (total_kinds[kind] or 0) + count
    end
  end
  for status, count in pairs(total_statuses) do
    io.write(string.format("soak status.%d %d\n", status, count))
  end
  for kind, count in pairs(total_kinds) do
    io.write(string.format("soak sent.%s %d\n", kind, count))
  end
  for _, p in ipairs({50, 99, 99.9}) do
    io.write(string.format("soak latency_ms.p%s %.2f\n", p, latency:percentile(p) / 1000))
  end
end
