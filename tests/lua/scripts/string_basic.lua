-- Basic string functions: sub with negative indices, byte/char, rep, case, reverse,
-- comparison, length, coercions and tostring/tonumber with bases.
local s = "Hello, Lua!"
print(#s, s:len(), s:upper(), s:lower(), s:reverse())
print(s:sub(1, 5), s:sub(-4), s:sub(-4, -2), s:sub(8, 100), s:sub(0), s:sub(5, 2) == "")
print(s:byte(), s:byte(-1), s:byte(1, 5))
print(string.char(72, 105, 33), string.char())
print(("ab"):rep(5), ("ab"):rep(0), ("ab"):rep(-1), ("ab"):rep(3, "-"))
print("a" < "b", "abc" < "abd", "Z" < "a", "" < "a", "a" < "aa", "10" < "9")
print("10" + 5, "3" * "4", "2" ^ 2, 10 .. 20, "0x10" + 0, "1e1" + 0, 7 .. "")
print(tostring(10), tostring(10.0), tostring(-0.0), tostring(1e100), tostring(true), tostring(nil))
print(tonumber("10"), tonumber("10.0"), tonumber("  0x1F  "), tonumber("ff", 16),
  tonumber("zz", 36), tonumber("777", 8), tonumber("102", 2), tonumber("abc"), tonumber(""))
print(tonumber("9223372036854775807"), tonumber("9223372036854775808"),
  tonumber("-9223372036854775808"), math.type(tonumber("9223372036854775808")))
print(pcall(function() return "abc" + 1 end))
print(pcall(function() return {} .. "x" end))
print(string.len("\0\0\0"), #"\u{10FFFF}", "\x41\66\u{43}", "a\z
      b")
local long = [[
first line
second "quoted" \n not escaped]]
print(long, #long)
print([==[with ]] inside]==])
local t = {}
for i = 1, 10 do t[i] = string.char(96 + i) end
print(table.concat(t), table.concat(t, "-", 3, 6))
print(("x"):byte(10), select("#", ("x"):byte(10)))
print(string.format("%s", 1e15), 2^63, -2^63, math.tointeger(-2^63))
print(#string.rep("abc", 1000), string.rep("abc", 1000):sub(-5))
