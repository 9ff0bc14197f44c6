-- pcall/xpcall/error: error values of every type, error levels and positions, runtime error
-- messages that name variables, tracebacks from message handlers, and nested protection.
print(pcall(error, "msg"))
print(pcall(error, "msg", 0))
print(pcall(error))
print(pcall(error, nil))
print(pcall(error, 42))
local ok, e = pcall(error, {code = 7, msg = "table error"})
print(ok, type(e), e.code, e.msg)
local function lvl1() error("level one", 1) end
local function lvl2() error("level two", 2) end
local function caller() lvl2() end
print(pcall(lvl1))
print(pcall(caller))
print(pcall(function() local t = nil; return t.x end))
print(pcall(function() return undefined_global.x end))
print(pcall(function() local s = "x"; return s.y.z end))
print(pcall(function() return 1 + {} end))
print(pcall(function() return #nil end))
print(pcall(function() local t = {}; t.f() end))
print(pcall(function() return ("x")() end))
print(pcall(function() return 1 < "2" end))
print(pcall(function() return {} < {} end))
print(pcall(function() return 2^53 | 0 end))
print(pcall(function() return 1.5 | 0 end))
print(pcall(function() return "1.5" | 0 end))
print(pcall(function()
  local t = setmetatable({}, {__index = function() error("idx") end})
  return t.k
end))
print(pcall(string.rep))
print(pcall(string.sub))
print(pcall(("x").rep, "x", "y"))
print(pcall(setmetatable, 1, {}))
print(pcall(ipairs))
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() for i = "a", 2 do end end))
print(xpcall(function() error("with handler") end, function(m) return "handled: " .. m end))
print(xpcall(function(a, b) return a + b end, print, 3, 4))
print(xpcall(function() error("tb") end, debug.traceback))
print(xpcall(function() error({}) end, function(m) return type(m) end))
print(pcall(pcall))
print(pcall(pcall, error, "inner"))
print(select("#", pcall(error)))
local depth = 0
local function nested(n)
  if n == 0 then error("bottom") end
  local ok2, err = pcall(nested, n - 1)
  depth = depth + 1
  error(err, 0)
end
print(pcall(nested, 5), depth)
print(pcall(error, setmetatable({}, {__tostring = function() return "tostring'd" end})))
local with_tostring = setmetatable({}, {__tostring = function() return "E!" end})
print(tostring(select(2, pcall(error, with_tostring))))
local function assert_fail() assert(false) end
local function assert_msg() assert(nil, "custom assert") end
local function assert_tab() assert(false, {1}) end
print(pcall(assert_fail))
print(pcall(assert_msg))
print(select("#", pcall(assert_tab)), type(select(2, pcall(assert_tab))))
print(assert(1, "unused"), select("#", assert(1, 2, 3)))
print(pcall(error, "msg", 2))
