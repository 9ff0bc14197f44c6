-- Reading stdin with io.read in every format ("l", "L", "n", a byte count, "a") and io.lines,
-- fed from io_stdin.stdin.
local first = io.read("l")
print("first line:", first)
local keep = io.read("L")
io.write("with newline: ", keep)
local a, b, c = io.read("n", "n", "n")
print("numbers:", a, b, c, math.type(a), math.type(b))
print("rest of line:", io.read("l"))
print("five bytes:", io.read(5))
print("zero bytes:", io.read(0))
local words, lines, chars = 0, 0, 0
for line in io.lines() do
  if line == "END" then break end
  lines = lines + 1
  chars = chars + #line
  for _ in line:gmatch("%S+") do words = words + 1 end
end
print("counted", lines, words, chars)
local rest = io.read("a")
print("rest:", #rest, (rest:gsub("\n", "|")))
print("at eof:", io.read("l"), io.read("a"), io.read(0), io.read("n"))
