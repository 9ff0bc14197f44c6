-- Blocks of every size, grown and shrunk across size classes (the exec agent's allocator keeps
-- small blocks in per-size free lists and hands big ones to malloc): strings of each length up
-- to 2 KiB, tables grown element by element then emptied, closures, coroutines and userdata-
-- backed buffers, with the results checked by content, not by address or memory figures.
local sum = 0
for n = 0, 2048 do
  local s = string.rep("x", n) .. n
  sum = sum + #s
end
print("strings", sum)
local t = {}
for i = 1, 5000 do t[i] = i * i end
local acc = 0
for i = 5000, 1, -1 do acc = acc + t[i]; t[i] = nil end
print("table grow and shrink", acc, #t, next(t))
local h = {}
for i = 1, 3000 do h["k" .. i] = i end
for i = 1, 3000, 2 do h["k" .. i] = nil end
collectgarbage()
local cnt = 0
for _, v in pairs(h) do cnt = cnt + v end
print("hash", cnt)
local fns = {}
for i = 1, 500 do fns[i] = function() return i end end
local fsum = 0
for i = 1, 500 do fsum = fsum + fns[i]() end
print("closures", fsum)
local co = coroutine.wrap(function()
  for i = 1, 100 do coroutine.yield(string.rep("y", i)) end
end)
local clen = 0
for _ = 1, 100 do clen = clen + #co() end
print("coroutine", clen)
local parts = {}
for i = 1, 1000 do parts[#parts + 1] = tostring(i) end
local joined = table.concat(parts, ",")
print("concat", #joined, joined:sub(1, 20), joined:sub(-20))
local big = string.rep("abc", 100000)
print("big", #big, big:sub(-6), select(2, big:gsub("b", "")))
for round = 1, 3 do
  local tmp = {}
  for i = 1, 2000 do tmp[i] = {i, tostring(i), {i}} end
  tmp = nil
  collectgarbage()
  print("round", round, collectgarbage("count") > 0)
end
