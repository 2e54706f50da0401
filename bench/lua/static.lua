-- The baselines: one fixed path, with the Authorization header the API runs send.
local path

function init(args)
  path = args[1]
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end

function request()
  return wrk.format("GET", path)
end
