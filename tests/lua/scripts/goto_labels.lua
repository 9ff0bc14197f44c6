-- goto: continue-style loops, breaking out of nested loops, backward jumps forming loops,
-- and the compile errors for jumping into a local's scope or to a missing label.
for i = 1, 10 do
  if i % 3 == 0 then goto continue end
  io.write(i, " ")
  ::continue::
end
print()
for i = 1, 5 do
  for j = 1, 5 do
    if i * j == 12 then
      print("found", i, j)
      goto done
    end
  end
end
::done::
local n = 0
::top::
n = n + 1
if n < 10 then goto top end
print("looped", n)
local function collatz(x)
  local steps = 0
  ::again::
  if x == 1 then return steps end
  if x % 2 == 0 then x = x // 2 else x = 3 * x + 1 end
  steps = steps + 1
  goto again
end
print(collatz(27), collatz(97), collatz(871))
print(load("goto nowhere", "=g1"))
print(load("do goto l1 end local x = 1 ::l1:: print(x)", "=g2"))
print(load("::a:: ::a::", "=g3"))
print(load("do ::inner:: end goto inner", "=g4"))
local i = 1
while true do
  i = i * 2
  if i > 1000 then goto out end
end
::out::
print("i", i)
do
  local k = 0
  ::redo::
  k = k + 1
  if k < 3 then goto redo end
  print("k", k)
end
