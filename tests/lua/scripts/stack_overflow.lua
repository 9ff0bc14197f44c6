-- Deep recursion: 10000-deep non-tail recursion succeeds, a million tail calls run in constant
-- stack, unbounded recursion ends in a "stack overflow" error caught by pcall (Lua stack and
-- C stack variants), and the interpreter is healthy afterwards.
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print("depth 10000", depth(10000))
local function tail(n, acc) if n == 0 then return acc end return tail(n - 1, acc + 1) end
print("tail calls", tail(1000000, 0))
local function forever(n) return 1 + forever(n + 1) end
local ok, err = pcall(forever, 1)
print(ok, (err:gsub("^.-:%d+: ", "")))
print(err:match("stack overflow") ~= nil)
local function cdeep() return pcall(cdeep) end
local results = table.pack(pcall(cdeep))
print("nested pcall", results.n, results[1], results[results.n])
local mt = {}
mt.__index = function(t, k) return setmetatable({}, mt)[k] end
print(pcall(function() return setmetatable({}, mt).x end))
local function gsub_deep(s) return (s:gsub(".", gsub_deep)) end
local ok2, err2 = pcall(gsub_deep, "ab")
print(ok2, err2)
local co = coroutine.wrap(function() return forever(1) end)
local ok3, err3 = pcall(co)
print(ok3, err3:match("stack overflow") ~= nil)
print("still alive", depth(100), tail(10, 0))
local t = {}
for i = 1, 20 do t = {t} end
local function nest_count(x) if x[1] then return 1 + nest_count(x[1]) end return 0 end
print(nest_count(t))
