-- A cooperative scheduler built on coroutines: tasks with sleeps measured in virtual ticks,
-- producer/consumer pipes through a bounded queue, and a filter pipeline of wrapped generators.
local tasks, now, log = {}, 0, {}
local function spawn(name, f)
  tasks[#tasks + 1] = {name = name, co = coroutine.create(f), wake = 0}
end
local function sleep(ticks) coroutine.yield(ticks) end
local function run()
  while #tasks > 0 do
    table.sort(tasks, function(a, b) if a.wake ~= b.wake then return a.wake < b.wake end
      return a.name < b.name end)
    local t = table.remove(tasks, 1)
    now = math.max(now, t.wake)
    local ok, ticks = coroutine.resume(t.co)
    if not ok then log[#log + 1] = now .. ":" .. t.name .. " failed: " .. ticks
    elseif coroutine.status(t.co) ~= "dead" then t.wake = now + ticks; tasks[#tasks + 1] = t
    else log[#log + 1] = now .. ":" .. t.name .. " done" end
  end
end
spawn("a", function() for i = 1, 3 do log[#log + 1] = now .. ":a" .. i; sleep(5) end end)
spawn("b", function() for i = 1, 4 do log[#log + 1] = now .. ":b" .. i; sleep(3) end end)
spawn("c", function() sleep(7); error("c exploded", 0) end)
run()
print(table.concat(log, " "))
local queue, cap = {}, 3
local produced, consumed = {}, {}
local producer = coroutine.create(function()
  for i = 1, 10 do
    while #queue >= cap do coroutine.yield("full") end
    queue[#queue + 1] = i * i
    produced[#produced + 1] = i
  end
  return "finished"
end)
local consumer = coroutine.create(function()
  while true do
    while #queue == 0 do coroutine.yield("empty") end
    consumed[#consumed + 1] = table.remove(queue, 1)
    if #consumed % 2 == 0 then coroutine.yield("pause") end
  end
end)
local trace = {}
while coroutine.status(producer) ~= "dead" or #queue > 0 do
  if coroutine.status(producer) ~= "dead" then
    local _, st = coroutine.resume(producer)
    trace[#trace + 1] = "P" .. tostring(st):sub(1, 1)
  end
  local _, st = coroutine.resume(consumer)
  trace[#trace + 1] = "C" .. st:sub(1, 1)
end
print(table.concat(consumed, ","), table.concat(trace, ""))
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local function filter(pred, src)
  return coroutine.wrap(function() for v in src do if pred(v) then coroutine.yield(v) end end end)
end
local function map(f, src)
  return coroutine.wrap(function() for v in src do coroutine.yield(f(v)) end end)
end
local out = {}
for v in map(function(x) return x * x end, filter(function(x) return x % 3 == 0 end, gen(30))) do
  out[#out + 1] = v
end
print(table.concat(out, " "))
