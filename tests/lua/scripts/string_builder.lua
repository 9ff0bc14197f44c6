-- String building stress: table.concat of 200k pieces, repeated .. concatenation, string.rep
-- of megabytes, gsub over a large string, and checksums instead of printing the strings.
local function checksum(s)
  local h = 0
  for i = 1, #s, 97 do h = (h * 31 + s:byte(i)) & 0xffffffff end
  return h
end
local parts = {}
for i = 1, 200000 do parts[i] = tostring(i) end
local joined = table.concat(parts, ",")
print(#joined, checksum(joined), joined:sub(1, 20), joined:sub(-20))
local s = ""
for i = 1, 5000 do s = s .. (i % 10) end
print(#s, checksum(s))
local big = string.rep("abcdefghij", 400000)
print(#big, checksum(big))
local replaced, n = big:gsub("e", "EE")
print(#replaced, n, checksum(replaced))
local upper = big:sub(1, 1000000):upper()
print(#upper, upper:sub(1, 12), checksum(upper))
local lines = {}
for i = 1, 20000 do lines[#lines + 1] = string.format("%6d: %s", i, ("*"):rep(i % 40)) end
local text = table.concat(lines, "\n")
local count = 0
for _ in text:gmatch("\n") do count = count + 1 end
print(#text, count, checksum(text))
local rev = {}
for i = 1, 100000 do rev[i] = string.char(65 + i % 26) end
local alpha = table.concat(rev)
print(alpha:sub(1, 30), alpha:reverse():sub(1, 30), checksum(alpha:reverse()))
local fmt = {}
for i = 1, 50000 do fmt[i] = ("%d:%x:%.2f"):format(i, i, i / 7) end
print(checksum(table.concat(fmt, ";")))
print(#string.format("%s", big), big:find("jab", 1, true), big:find("xyz", 1, true))
