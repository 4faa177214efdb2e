-- GET one user picked at random from a file of ids (wrk -s get.lua URL -- IDS_FILE), so that the
-- requests reach the whole id index, not one cached page of it. URL is the users collection.
local ids = {}
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    table.insert(ids, line)
  end
  -- Each thread its own sequence of users.
  math.randomseed(os.time() + thread_number * 7919)
end

request = function()
  return wrk.format("GET", wrk.path .. "/" .. ids[math.random(#ids)])
end
