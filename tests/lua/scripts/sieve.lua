-- Sieve of Eratosthenes up to two million: prime counts at powers of ten, the last primes, a
-- checksum, and twin prime pairs; a CPU- and memory-heavy loop over a large array.
local limit = 2000000
local composite = {}
for i = 2, limit do composite[i] = false end
for i = 2, math.floor(math.sqrt(limit)) do
  if not composite[i] then
    for j = i * i, limit, i do composite[j] = true end
  end
end
local count, sum, twins, last = 0, 0, 0, {}
local checkpoints = {[10] = true, [100] = true, [1000] = true, [10000] = true, [100000] = true,
  [1000000] = true, [2000000] = true}
for i = 2, limit do
  if not composite[i] then
    count = count + 1
    sum = sum + i
    if i > 2 and not composite[i - 2] then twins = twins + 1 end
    last[#last + 1] = i
    if #last > 5 then table.remove(last, 1) end
  end
  if checkpoints[i] then print("primes up to " .. i, count) end
end
print("sum", sum, "twin pairs", twins)
print("last", table.concat(last, " "))
