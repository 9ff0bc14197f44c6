-- Coroutines: generators with wrap, status transitions, values passed both ways through
-- resume/yield, errors inside coroutines, resuming dead ones, yields across pcall.
local function range(n, step)
  return coroutine.wrap(function()
    for i = 1, n, step or 1 do coroutine.yield(i) end
  end)
end
local out = {}
for v in range(20, 3) do out[#out + 1] = v end
print(table.concat(out, " "))
local co = coroutine.create(function(a, b)
  print("start", a, b, coroutine.isyieldable(), coroutine.status(coroutine.running()))
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "done", d + e
end)
print(coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))
local main, ismain = coroutine.running()
print(type(main), ismain, coroutine.isyieldable())
local bad = coroutine.create(function() local x = nil; return x.field end)
print(coroutine.resume(bad))
print(coroutine.status(bad))
local thrower = coroutine.create(function() coroutine.yield(1); error({code = 42}) end)
print(coroutine.resume(thrower))
local ok, e = coroutine.resume(thrower)
print(ok, type(e), e.code)
local w = coroutine.wrap(function() error("wrapped failure") end)
print(pcall(w))
local across = coroutine.wrap(function()
  local r = table.pack(pcall(function()
    local v = coroutine.yield("inside pcall")
    error("after yield " .. v)
  end))
  coroutine.yield(r[1], r[2])
  return "end"
end)
print(across())
print(across("X"))
print(across())
print(pcall(across))
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local perms = {}
for p in coroutine.wrap(function() permgen({"a", "b", "c", "d"}) end) do
  perms[#perms + 1] = table.concat(p)
end
print(#perms, table.concat(perms, ","))
local nested = coroutine.wrap(function()
  local inner = coroutine.wrap(function() coroutine.yield("inner1"); coroutine.yield("inner2") end)
  coroutine.yield(inner())
  coroutine.yield("outer")
  coroutine.yield(inner())
end)
print(nested(), nested(), nested())
print(pcall(coroutine.yield, 1))
print(select("#", coroutine.running()), coroutine.status(coroutine.create(print)))
local fib = coroutine.wrap(function()
  local a, b = 0, 1
  while true do coroutine.yield(a); a, b = b, a + b end
end)
local fibs = {}
for _ = 1, 30 do fibs[#fibs + 1] = fib() end
print(table.concat(fibs, " "))
local many = 0
for _ = 1, 2000 do
  local c = coroutine.create(function(x) return x + 1 end)
  local _, v = coroutine.resume(c, many)
  many = v
end
print(many)
