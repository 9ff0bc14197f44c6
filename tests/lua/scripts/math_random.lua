-- math.random after a fixed math.randomseed: the xoshiro256** sequence is deterministic, so
-- floats, ranges and the full-range integer form must match exactly.
math.randomseed(42)
local vals = {}
for i = 1, 10 do vals[i] = string.format("%.17g", math.random()) end
print(table.concat(vals, " "))
for _ = 1, 5 do io.write(math.random(100), " ", math.random(-10, 10), " ", math.random(0), " ") end
print()
math.randomseed(42)
print(string.format("%.17g", math.random()) == vals[1])
math.randomseed(7, 99)
print(math.random(1, 6), math.random(1, 6), math.random(math.mininteger, math.maxinteger))
print(pcall(math.random, 2, 1), pcall(math.random, 1, 2, 3))
math.randomseed(123)
local counts = {0, 0, 0, 0, 0, 0}
for _ = 1, 60000 do local d = math.random(6); counts[d] = counts[d] + 1 end
print(table.concat(counts, " "))
local deck = {}
for i = 1, 52 do deck[i] = i end
for i = 52, 2, -1 do local j = math.random(i); deck[i], deck[j] = deck[j], deck[i] end
print(table.concat(deck, ",", 1, 13))
