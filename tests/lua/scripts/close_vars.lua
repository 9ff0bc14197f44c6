-- To-be-closed and const variables: closing order, closing on error and on break/return,
-- errors raised inside __close, and compile-time checks on <const>.
local log = {}
local function closer(name)
  return setmetatable({}, {__close = function(_, err)
    log[#log + 1] = name .. (err and ("(" .. tostring(err):gsub("^.-:%d+: ", "") .. ")") or "")
  end})
end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local c <close> = nil
  log[#log + 1] = "body"
end
print(table.concat(log, " ")); log = {}
local ok, err = pcall(function()
  local x <close> = closer("x")
  local y <close> = closer("y")
  error("boom")
end)
print(ok, err, table.concat(log, " ")); log = {}
for i = 1, 3 do
  local r <close> = closer("loop" .. i)
  if i == 2 then break end
end
print(table.concat(log, " ")); log = {}
local function early()
  local r <close> = closer("ret")
  return "returned"
end
print(early(), table.concat(log, " ")); log = {}
print(pcall(function()
  local bad <close> = setmetatable({}, {__close = function() error("in close") end})
  return 1
end))
print(pcall(function() local z <close> = 42 end))
print(load("local k <const> = 1; k = 2", "=const"))
local K <const> = 10
print(K * 2)
print(load("local q <foo> = 1", "=attr"))
local function gen()
  local co = coroutine.wrap(function()
    local r <close> = closer("co")
    coroutine.yield(1)
    coroutine.yield(2)
  end)
  return co
end
local g = gen()
print(g(), g(), #log)
local co = coroutine.create(function()
  local r <close> = closer("closed-by-coroutine.close")
  coroutine.yield()
end)
coroutine.resume(co)
print(coroutine.close(co), coroutine.status(co), table.concat(log, " "))
