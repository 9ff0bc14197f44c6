-- Dynamic code: load from strings and reader functions, custom environments, chunk names in
-- error messages, syntax errors, string.dump round trips and the absence of loadstring.
local f = load("return 1 + 2")
print(f())
print(load("syntax error here"))
print(load("return 1 +", "=mychunk"))
print(load("x = ", "@virtual.lua"))
print(load("return ...", "=varargs")(1, 2, 3))
local env = {print = print, tostring = tostring}
local g = load("y = 10; return y * 2", "=env", "t", env)
print(g(), env.y, y)
local parts = {"return ", "'from ", "reader'"}
local i = 0
print(load(function() i = i + 1; return parts[i] end)())
local src = "local a, b = ...; return a * b, _ENV == nil"
print(load(src)(6, 7))
local fn = load("local x = 5; return function(y) return x + y end")()
print(fn(10))
local dumped = string.dump(function(a, b) return a * b + 1 end)
print(type(dumped), dumped:sub(1, 4) == "\27Lua")
print(load(dumped, "dumped", "b")(6, 7))
print(load(dumped, "dumped", "t"))
print(load("return 1", "text", "b"))
local stripped = string.dump(function() error("where?") end, true)
print(pcall(load(stripped, "=stripped")))
print(type(loadstring), type(load), type(dofile), type(loadfile))
print(pcall(load("error('runtime in loaded chunk')", "=loaded")))
print(pcall(load("local t = {} ; return t.a.b", "@named.lua")))
local counter = 0
local code = {}
for k = 1, 200 do code[#code + 1] = "counter = counter + " .. k end
local big = load(table.concat(code, "\n"), "=big", "t", setmetatable({}, {
  __index = function(_, k) if k == "counter" then return counter end return _G[k] end,
  __newindex = function(_, k, v) if k == "counter" then counter = v end end}))
big()
print(counter)
print(type(load("")), load("")(), select("#", load("")()))
print(load("return 0x7fffffffffffffff, 0xffffffffffffffff, 1e308 * 10, 3 // 0.0")())
print(load("return [==[\nlong]==], '\\u{48}\\x49', \"\\65\\066\"")())
print(load("return 1 --[[ comment ]] + --[==[ x ]==] 2 -- end")())
print(load("return function() return 1 end end", "=extra end"))
print(load("local a <const> = 1; return a + 1")())
print(load("return #{...}", "=n")(nil, nil, 3))
local deep = "return " .. string.rep("(", 150) .. "1" .. string.rep(")", 150)
print(load(deep)())
local too_deep = "return " .. string.rep("(", 300) .. "1" .. string.rep(")", 300)
print(load(too_deep, "=deep"))
