-- A mixed load: 70 % GET, 20 % PUT (keeping the contact's own phone, BASE + id) and 10 % POST
-- (each with a phone no earlier request used: POST_BASE + a per-request counter), on random
-- ids FIRST..LAST. Args: FIRST LAST BASE POST_BASE TOKEN.
local first, last, base, post_base
local counter = 0

function init(args)
  first, last = tonumber(args[1]), tonumber(args[2])
  base, post_base = tonumber(args[3]), tonumber(args[4])
  math.randomseed(os.time() * 10 + index)
  wrk.headers["Authorization"] = "Bearer " .. args[5]
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local draw = math.random(100)
  local id = math.random(first, last)
  if draw <= 70 then
    return wrk.format("GET", "/v1/contact/" .. id)
  elseif draw <= 90 then
    local body = string.format(
      '{"phone": "%d", "first": "Mixed", "email": "m%d@example.com"}', base + id, id)
    return wrk.format("PUT", "/v1/contact/" .. id, nil, body)
  end
  counter = counter + 1
  local phone = post_base + index * 100000000 + counter
  local body = string.format(
    '{"phone": "%d", "first": "Mixed", "last": "Writer %d"}', phone, counter)
  return wrk.format("POST", "/v1/contact", nil, body)
end
