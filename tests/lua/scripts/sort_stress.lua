-- Sorting stress: 100k pseudo-random integers and floats from a fixed LCG, descending and
-- custom orders, already sorted and reversed inputs, strings, with verification and checksums.
local seed = 20240601
local function rand()
  seed = (seed * 6364136223846793005 + 1442695040888963407)
  return (seed >> 33)
end
local function check(t, lt)
  for i = 2, #t do if lt(t[i], t[i - 1]) then return false, i end end
  return true
end
local function sum(t) local s = 0 for i = 1, #t do s = (s * 7 + t[i]) % 1000000007 end return s end
local ints = {}
for i = 1, 100000 do ints[i] = rand() % 1000000 end
table.sort(ints)
print("ints", check(ints, function(a, b) return a < b end), ints[1], ints[50000], ints[100000],
  sum(ints))
table.sort(ints, function(a, b) return a > b end)
print("desc", check(ints, function(a, b) return a > b end), ints[1], ints[100000])
local floats = {}
for i = 1, 50000 do floats[i] = (rand() % 100000) / 7 - 5000 end
table.sort(floats)
print("floats", check(floats, function(a, b) return a < b end),
  string.format("%.6f %.6f", floats[1], floats[#floats]))
local sorted = {}
for i = 1, 50000 do sorted[i] = i end
table.sort(sorted)
print("presorted", sorted[1], sorted[50000])
local rev = {}
for i = 1, 50000 do rev[i] = 50001 - i end
table.sort(rev)
print("reversed", rev[1], rev[25000], rev[50000])
local same = {}
for i = 1, 20000 do same[i] = 7 end
table.sort(same)
print("all equal", same[1], same[20000])
local strs = {}
for i = 1, 20000 do strs[i] = string.format("%x", rand() % 1000000) end
table.sort(strs)
print("strings", check(strs, function(a, b) return a < b end), strs[1], strs[20000])
local pairs_ = {}
for i = 1, 30000 do pairs_[i] = {k = rand() % 100, i = i} end
table.sort(pairs_, function(a, b) if a.k ~= b.k then return a.k < b.k end return a.i < b.i end)
local ok = true
for i = 2, #pairs_ do
  local a, b = pairs_[i - 1], pairs_[i]
  if a.k > b.k or (a.k == b.k and a.i > b.i) then ok = false end
end
print("records", ok, pairs_[1].k, pairs_[1].i, pairs_[30000].k, pairs_[30000].i)
