-- Prepended to every scenario script: each wrk thread learns its index (1, 2, ...).
local made = 0
function setup(thread)
  made = made + 1
  thread:set("index", made)
end
index = 1
