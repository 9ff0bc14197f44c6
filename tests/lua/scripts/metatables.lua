-- Metatables: __index (table and function), __newindex, __call, __eq, __lt, __le, __concat,
-- __len, __unm, arithmetic and bitwise metamethods, __tostring, __name and __metatable.
local Vec = {}
Vec.__index = Vec
local function vec(x, y) return setmetatable({x = x, y = y}, Vec) end
Vec.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
Vec.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
Vec.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y) end
  if type(b) == "number" then return vec(a.x * b, a.y * b) end
  return a.x * b.x + a.y * b.y
end
Vec.__unm = function(a) return vec(-a.x, -a.y) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__lt = function(a, b) return a:len2() < b:len2() end
Vec.__le = function(a, b) return a:len2() <= b:len2() end
Vec.__len = function(a) return 2 end
Vec.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
Vec.__concat = function(a, b) return tostring(a) .. tostring(b) end
Vec.__call = function(self, k) return self[k] end
Vec.__idiv = function(a, n) return vec(a.x // n, a.y // n) end
Vec.__mod = function(a, n) return vec(a.x % n, a.y % n) end
Vec.__band = function(a, n) return vec(a.x & n, a.y & n) end
Vec.__shl = function(a, n) return vec(a.x << n, a.y << n) end
Vec.__bnot = function(a) return vec(~a.x, ~a.y) end
Vec.__pow = function(a, n) return vec(a.x ^ n, a.y ^ n) end
Vec.__div = function(a, n) return vec(a.x / n, a.y / n) end
function Vec:len2() return self.x * self.x + self.y * self.y end
local a, b = vec(1, 2), vec(3, -4)
print(tostring(a + b), tostring(a - b), a * b, tostring(2 * a), tostring(a * 3), tostring(-a))
print(a == vec(1, 2), a ~= b, a < b, a <= b, a > b, b >= a, #a, a("x"), a("y"))
print(a .. b, a .. "!", "!" .. b)
print(tostring(b // 3), tostring(b % 3), tostring(b & 6), tostring(a << 4), tostring(~a),
  tostring(a ^ 2), tostring(b / 2))
local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) log[#log + 1] = "get " .. tostring(k); return k .. "!" end,
  __newindex = function(t, k, v) log[#log + 1] = "set " .. tostring(k); rawset(t, k, v * 2) end,
})
print(proxy.foo, proxy.bar)
proxy.x = 21
print(proxy.x, rawget(proxy, "y"), table.concat(log, ";"))
local defaults = setmetatable({}, {__index = {color = "red", size = 10}})
defaults.size = 20
print(defaults.color, defaults.size, rawget(defaults, "color"))
local chain = setmetatable({}, {__index = setmetatable({mid = "m"}, {__index = {deep = "d"}})})
print(chain.mid, chain.deep, chain.none)
local locked = setmetatable({}, {__metatable = "locked!"})
print(getmetatable(locked), pcall(setmetatable, locked, {}))
print(getmetatable("abc").__index == string, ("x"):upper())
local named = setmetatable({}, {__name = "MyType"})
print(pcall(function() return named + 1 end))
print(pcall(function() return #named < 1, named < named end))
local ro = setmetatable({}, {__newindex = function(_, k) error("read-only: " .. k, 2) end})
print(pcall(function() ro.z = 1 end))
local counter = setmetatable({}, {__index = function(t, k) local v = #k; rawset(t, k, v);
  return v end})
print(counter.hello, counter.hi, rawget(counter, "hello"))
local eqcalls = 0
local E = {__eq = function() eqcalls = eqcalls + 1; return true end}
local e1, e2 = setmetatable({}, E), setmetatable({}, E)
print(e1 == e2, e1 == e1, e1 ~= e2, eqcalls)
