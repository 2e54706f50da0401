-- POST /v1/contact, each with a phone no earlier request used: BASE + a per-request counter.
local base, token
local counter = 0

function init(args)
  base = tonumber(args[1])
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local phone = base + index * 100000000 + counter
  local body = string.format(
    '{"phone": "%d", "first": "Bench", "last": "Writer %d", "email": "w%d@example.com"}',
    phone, counter, phone)
  return wrk.format("POST", "/v1/contact", nil, body)
end
