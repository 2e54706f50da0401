-- GET /v1/contact/{id}, ids drawn at random from FIRST..LAST (wrk args), one reused token.
local first, last
local paths = {}

function init(args)
  first, last = tonumber(args[1]), tonumber(args[2])
  math.randomseed(os.time() * 10 + index)
  wrk.headers["Authorization"] = "Bearer " .. args[3]
end

function request()
  return wrk.format("GET", "/v1/contact/" .. math.random(first, last))
end
