-- PUT /v1/contact/{id} on random ids FIRST..LAST, keeping the contact's own phone (BASE + id).
local first, last, base

function init(args)
  first, last, base = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
  math.randomseed(os.time() * 10 + index)
  wrk.headers["Authorization"] = "Bearer " .. args[4]
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local id = math.random(first, last)
  local body = string.format(
    '{"phone": "%d", "first": "Updated", "email": "u%d@example.com"}', base + id, id)
  return wrk.format("PUT", "/v1/contact/" .. id, nil, body)
end
