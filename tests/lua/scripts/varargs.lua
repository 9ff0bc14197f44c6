-- Varargs: select('#') with nils, negative select, table.pack/unpack, forwarding, adjustment
-- of multiple results in different expression positions.
local function count(...) return select("#", ...) end
print(count(), count(nil), count(nil, nil), count(1, nil, 3, nil))
local function tail(...) return select(2, ...) end
print(tail(1, 2, 3), select(-1, "a", "b", "c"), select(-2, "a", "b", "c"))
print(pcall(select, 0, 1), pcall(select, -5, 1))
local function multi() return 1, 2, 3 end
print(multi(), multi())
print((multi()))
local t = {multi(), multi()}
print(#t, t[4])
local t2 = {multi(), (multi())}
print(#t2)
local function fwd(...) return ... end
print(fwd(1, nil, 3))
print(count(fwd(nil, nil, nil)))
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...) or 0) end
  return s
end
print(sum(1, 2, nil, 4), sum())
local function packed(...)
  local p = table.pack(...)
  return p.n, #p
end
print(packed(1, 2, 3), packed())
local function varfunc(a, b, ...)
  return a, b, select("#", ...), ...
end
print(varfunc(1))
print(varfunc(1, 2, 3, 4, 5))
local function recurse(n, ...)
  if n == 0 then return select("#", ...) end
  return recurse(n - 1, n, ...)
end
print(recurse(200))
print(string.format("%d-%d-%d", multi()))
local many = {}
for i = 1, 250 do many[i] = i end
print(count(table.unpack(many)), math.max(table.unpack(many)))
local x, y, z = multi(), 10
print(x, y, z)
local a, b = (function() end)()
print(a, b)
print(pcall(table.unpack, {}, 1, 1e8))
