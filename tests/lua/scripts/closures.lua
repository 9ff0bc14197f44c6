-- Closures and upvalues: independent counters, shared upvalues, per-iteration loop variables,
-- recursive local functions and upvalues surviving their enclosing call.
local function counter(start)
  local n = start
  return function(step) n = n + (step or 1); return n end, function() return n end
end
local inc1, get1 = counter(0)
local inc2, get2 = counter(100)
inc1(); inc1(5); inc2()
print(get1(), get2())
local fns = {}
for i = 1, 5 do fns[i] = function() return i * 10 end end
local out = {}
for _, f in ipairs(fns) do out[#out + 1] = f() end
print(table.concat(out, " "))
local shared = {}
do
  local x = 0
  shared.inc = function() x = x + 1 end
  shared.get = function() return x end
end
shared.inc(); shared.inc()
print(shared.get())
local function make_adders()
  local list = {}
  local j = 1
  while j <= 3 do
    local k = j
    list[j] = function(v) return v + k end
    j = j + 1
  end
  return list
end
local adders = make_adders()
print(adders[1](10), adders[2](10), adders[3](10))
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print(fact(20), fact(21))
local function compose(...)
  local fs = table.pack(...)
  return function(x)
    for i = fs.n, 1, -1 do x = fs[i](x) end
    return x
  end
end
print(compose(function(x) return x * 2 end, function(x) return x + 3 end)(4))
local function memoize(f)
  local cache, calls = {}, 0
  return function(x)
    if cache[x] == nil then calls = calls + 1; cache[x] = f(x) end
    return cache[x]
  end, function() return calls end
end
local sq, sqcalls = memoize(function(x) return x * x end)
print(sq(4), sq(4), sq(5), sqcalls())
local function curry(f, n, ...)
  local args = table.pack(...)
  if args.n >= n then return f(table.unpack(args, 1, args.n)) end
  return function(...)
    local more = table.pack(...)
    local all = {table.unpack(args, 1, args.n)}
    for i = 1, more.n do all[args.n + i] = more[i] end
    return curry(f, n, table.unpack(all, 1, args.n + more.n))
  end
end
print(curry(function(a, b, c) return a .. b .. c end, 3)("x")("y")("z"))
local u1, u2 = debug.getupvalue(inc1, 1)
print(u1, u2)
print(debug.setupvalue(inc1, 1, 1000), get1())
local deep = 0
local function nest(level)
  if level == 0 then return function() deep = deep + 1; return deep end end
  return nest(level - 1)
end
local f = nest(50)
f(); f()
print(deep)
