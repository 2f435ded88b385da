-- POST boards/{id}/tasks/: a new task appended to one of the board's lists, at random.
--   wrk -s bench/wrk/post_task.lua URL -- ACCESS_TOKEN BOARD_ID LIST_ID,LIST_ID,...

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local path, headers, lists
local sent = 0

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
  path = "/api/v1/boards/" .. args[2] .. "/tasks/"
  lists = split_numbers(args[3])
  math.randomseed(os.time() + 7919 * (thread_number or 0))
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"list_id":%d,"title":"Bench task %d-%d","priority":"high"}',
    lists[math.random(#lists)], thread_number or 0, sent
  )
  return wrk.format("POST", path, headers, body)
end
