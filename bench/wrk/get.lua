-- GET one path, the same request every time (wrk sends it prebuilt: no Lua per request).
--   wrk -s bench/wrk/get.lua http://127.0.0.1:8000 -- /api/v1/boards/1/ [ACCESS_TOKEN [IF_NONE_MATCH]]

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

function init(args)
  wrk.path = args[1]
  if args[2] and args[2] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
  if args[3] and args[3] ~= "" then
    wrk.headers["If-None-Match"] = args[3]
  end
  wrk.headers["Accept"] = "application/json"
end
