-- Fibonacci three ways (naive recursion, memoized through a metatable, iterative) with integer
-- results up to fib(92), the wrap past it, and a float version.
local function naive(n) if n < 2 then return n end return naive(n - 1) + naive(n - 2) end
local memo = setmetatable({[0] = 0, [1] = 1}, {__index = function(t, n)
  local v = t[n - 1] + t[n - 2]
  t[n] = v
  return v
end})
local function iter(n)
  local a, b = 0, 1
  for _ = 1, n do a, b = b, a + b end
  return a
end
print("naive(25)", naive(25))
for _, n in ipairs({10, 30, 50, 70, 90, 91, 92}) do print(n, memo[n], iter(n) == memo[n]) end
print("fib(93) wraps", iter(93), iter(93) < 0)
local fa, fb = 0.0, 1.0
for _ = 1, 100 do fa, fb = fb, fa + fb end
print("float fib(100)", fa, string.format("%.17g", fa))
local calls = 0
local function counted(n) calls = calls + 1; if n < 2 then return n end
  return counted(n - 1) + counted(n - 2) end
counted(20)
print("calls for fib(20)", calls)
local digits = {0}
local function bigadd(a, b)
  local r, carry = {}, 0
  for i = 1, math.max(#a, #b) do
    local s = (a[i] or 0) + (b[i] or 0) + carry
    r[i], carry = s % 10000000, s // 10000000
  end
  if carry > 0 then r[#r + 1] = carry end
  return r
end
local x, y = {0}, {1}
for _ = 1, 500 do x, y = y, bigadd(x, y) end
local parts = {tostring(x[#x])}
for i = #x - 1, 1, -1 do parts[#parts + 1] = string.format("%07d", x[i]) end
print("fib(500)", table.concat(parts))
digits = nil
