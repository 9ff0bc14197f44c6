-- The garbage collector: full collections, weak-keyed and weak-valued tables, finalizers and
-- their order, resurrection, mode switches; memory figures are never printed (they differ
-- between runs), only facts that follow from the collector's guarantees.
print(collectgarbage("isrunning"), collectgarbage() == 0, type(collectgarbage("step")))
local weakv = setmetatable({}, {__mode = "v"})
local weakk = setmetatable({}, {__mode = "k"})
local keep = {}
for i = 1, 100 do
  local obj = {i}
  weakv[i] = obj
  weakk[obj] = i
  if i % 10 == 0 then keep[#keep + 1] = obj end
end
collectgarbage()
collectgarbage()
local nv, nk = 0, 0
for _ in pairs(weakv) do nv = nv + 1 end
for _ in pairs(weakk) do nk = nk + 1 end
print("weak survivors", nv, nk, #keep)
local order = {}
do
  for i = 1, 5 do
    setmetatable({}, {__gc = function() order[#order + 1] = i end})
  end
end
collectgarbage()
print("finalized", table.concat(order, " "))
local resurrected
do
  setmetatable({name = "phoenix"}, {__gc = function(o) resurrected = o end})
end
collectgarbage()
print("resurrected", resurrected and resurrected.name)
print(collectgarbage("generational"), collectgarbage("incremental"), collectgarbage("incremental"))
collectgarbage("stop")
print(collectgarbage("isrunning"))
collectgarbage("restart")
print(collectgarbage("isrunning"))
local junk = 0
for i = 1, 200000 do local t = {i, tostring(i)}; junk = junk + #t[2] end
collectgarbage()
print("junk", junk)
local ephemeron = setmetatable({}, {__mode = "k"})
do
  local k = {}
  ephemeron[k] = {ref = k}
end
collectgarbage()
print("ephemeron cleared", next(ephemeron) == nil)
local fin_errors = {}
do
  setmetatable({}, {__gc = function() error("error in finalizer") end})
end
collectgarbage()
print("after finalizer error", #fin_errors)
print(pcall(collectgarbage, "bogus"))
print(type(collectgarbage("count")), math.type(collectgarbage("count")))
