-- Table library: insert/remove at positions, concat, sort with comparators (and an invalid
-- one), pack/unpack, the length operator and table.move.
local t = {}
for i = 1, 10 do table.insert(t, i * i) end
table.insert(t, 1, 0)
table.insert(t, 5, -1)
print(#t, table.concat(t, " "))
print(table.remove(t), table.remove(t, 1), table.remove(t, 4), #t, table.concat(t, ","))
print(table.remove({}), #t, pcall(table.insert, t, 100, 1))
print(pcall(table.insert, t, 1, 2, 3))
local words = {"pear", "Apple", "fig", "banana", "cherry", "date", "elderberry", "apple"}
table.sort(words)
print(table.concat(words, " "))
table.sort(words, function(a, b) return a:lower() < b:lower() or
  (a:lower() == b:lower() and a < b) end)
print(table.concat(words, " "))
table.sort(words, function(a, b) return #a > #b or (#a == #b and a < b) end)
print(table.concat(words, " "))
local nums = {}
local seed = 12345
for i = 1, 200 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  nums[i] = seed % 1000
end
table.sort(nums, function(a, b) return a > b end)
print(nums[1], nums[2], nums[100], nums[200], #nums)
local recs = {}
for i = 1, 20 do recs[i] = {id = i, key = (i * 7) % 5} end
table.sort(recs, function(a, b) if a.key ~= b.key then return a.key < b.key end
  return a.id < b.id end)
for _, r in ipairs(recs) do io.write(r.key, "/", r.id, " ") end
print()
print(pcall(table.sort, {3, 1, "x"}))
print(pcall(table.concat, {1, {}, 3}))
local p = table.pack(1, nil, 3, nil)
print(p.n, p[1], p[2], p[3], p[4], #{n = 1})
print(table.unpack({1, 2, 3}), table.unpack({1, 2, 3}, 2), table.unpack({1, 2, 3}, 2, 5))
print(select("#", table.unpack({}, 1, 3)))
local a = {1, 2, 3, 4, 5}
table.move(a, 2, 4, 1)
print(table.concat(a, ","))
table.move(a, 1, 3, 3)
print(table.concat(a, ","))
local b = table.move({1, 2, 3}, 1, 3, 2, {9})
print(table.concat(b, ","))
print(#{1, 2, 3, nil}, #{n = 3}, #"four", #{[1] = 1, [2] = 2, [3] = 3})
local big = {}
for i = 1, 100000 do big[i] = i end
print(#big, big[#big])
for i = 100000, 50001, -1 do big[i] = nil end
print(#big)
print(table.concat({}, "x"), table.concat({1, 2.5, "s"}, ", "))
print(next({}), type(next), rawlen({1, 2}), rawlen("abc"), rawequal(t, t), rawequal({}, {}))
