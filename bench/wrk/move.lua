-- POST tasks/{id}/move/: a random task of the given ones to a random list and index.
--   wrk -s bench/wrk/move.lua URL -- ACCESS_TOKEN LIST_IDS TASK_IDS MAX_INDEX
-- (ids comma-separated; the index is drawn from 0..MAX_INDEX, past the end means last)

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local headers, lists, tasks, max_index

local function split_numbers(text)
  local numbers = {}
  for number in string.gmatch(text, "%d+") do
    numbers[#numbers + 1] = tonumber(number)
  end
  return numbers
end

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  headers = {
    ["Authorization"] = "Bearer " .. args[1],
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  lists = split_numbers(args[2])
  tasks = split_numbers(args[3])
  max_index = tonumber(args[4])
  math.randomseed(os.time() + 7919 * (thread_number or 0))
end

function request()
  local path = "/api/v1/tasks/" .. tasks[math.random(#tasks)] .. "/move/"
  local body = string.format(
    '{"list_id":%d,"index":%d}', lists[math.random(#lists)], math.random(0, max_index)
  )
  return wrk.format("POST", path, headers, body)
end
