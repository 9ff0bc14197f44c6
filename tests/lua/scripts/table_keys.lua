-- Table keys: integer and float keys that compare equal share a slot, float keys that are not
-- integral, NaN and nil keys are rejected, and key iteration (printed in sorted order because
-- hash order is not part of the language).
local t = {}
t[1] = "int one"; t[1.0] = "float one"; t[2^53] = "big"; t[-0.0] = "negzero"
t[1.5] = "one and a half"; t["1"] = "string one"; t[true] = "bool"
print(t[1], t[1.0], t[2^53 // 1], t[0], t[1.5], t["1"], t[true], #t)
print(math.type(next({[3.0] = 1})))
print(pcall(function() t[0/0] = 1 end))
print(pcall(function() t[nil] = 1 end))
print(t[nil], t[0/0])
local keys = {}
for k in pairs(t) do keys[#keys + 1] = type(k) .. ":" .. tostring(k) end
table.sort(keys)
print(table.concat(keys, " "))
local arr = {10, 20, 30, [5] = 50, x = "x", [-1] = "neg"}
local list = {}
for i, v in ipairs(arr) do list[#list + 1] = i .. "=" .. v end
print(table.concat(list, " "))
local seen = {}
for k, v in pairs(arr) do seen[#seen + 1] = tostring(k) .. "=" .. tostring(v) end
table.sort(seen)
print(table.concat(seen, " "))
local sparse = {}
for i = 1, 100, 7 do sparse[i] = i end
local n = 0
for _ in pairs(sparse) do n = n + 1 end
print("sparse", n, sparse[50], sparse[99])
local tk1, tk2 = {}, {}
local bytable = {[tk1] = "first", [tk2] = "second"}
print(bytable[tk1], bytable[tk2], bytable[{}])
local fk = {}
fk[print] = "print fn"
print(fk[print])
local del = {a = 1, b = 2, c = 3, d = 4}
for k in pairs(del) do del[k] = nil end
print(next(del))
local counts = {}
for w in ("the cat and the hat and the bat"):gmatch("%a+") do counts[w] = (counts[w] or 0) + 1 end
local ws = {}
for w, c in pairs(counts) do ws[#ws + 1] = w .. "=" .. c end
table.sort(ws)
print(table.concat(ws, ","))
local grow = {}
for i = 1, 1000 do grow[i * 1.0] = i end
print(#grow, math.type(next(grow)), grow[500])
print(rawequal(1, 1.0), 1 == 1.0, math.type(1) == math.type(1.0))
