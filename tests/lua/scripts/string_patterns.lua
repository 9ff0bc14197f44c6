-- Lua patterns: find/match/gmatch/gsub with captures, anchors, %b, %f, position captures
-- and replacement by string, table and function.
local s = "The quick brown fox jumps over the lazy dog 42 times, 3.14 and -7"
print(s:find("quick"), s:find("o", 20), s:find("%d+"), s:find(".", 1, true), s:find("xyz"))
print(s:match("(%a+) (%a+)"), s:match("%d+%.%d+"), s:match("^The"), s:match("dog$"))
print(s:match("()fox()"), s:match("%-?%d+$"))
for word in s:gmatch("%a+") do io.write(word, ",") end
print()
for k, v in string.gmatch("a=1, b=22, ccc=333", "(%w+)=(%w+)") do io.write(k, "->", v, ";") end
print()
print(string.gsub("hello world", "o", "0"))
print(string.gsub("hello world", "o", "0", 1))
print(string.gsub("hello world", "(%w+)", "<%1>"))
print(string.gsub("hello world", "%w+", "%0 %0", 1))
print(string.gsub("$name is $age", "%$(%w+)", {name = "Ann", age = 33}))
print(string.gsub("abc", "%w", function(c) return c:upper() .. "." end))
print(string.gsub("abc", "", "-"))
print(string.gsub("f(a(b)c) g(d)", "%b()", "[]"))
print(string.gsub("THE (quick) fox", "%f[%a]%a+", "W"))
print(string.gsub("  trim me  ", "^%s*(.-)%s*$", "%1"))
print(("key = value # comment"):match("^(%w+)%s*=%s*(%w+)"))
print(("2024-01-15"):match("(%d+)-(%d+)-(%d+)"))
print(("[[nested]]"):find("[[", 1, true), ("a.b.c"):gsub("%.", "/"))
print(("x"):rep(3, ","), ("%d"):gsub("%%", "%%%%"))
print(pcall(string.gsub, "abc", "(", "x"))
print(pcall(string.find, "abc", "[a"))
print(pcall(string.gsub, "abc", "%w", "%2"))
print(("one two  three"):gsub("%s+", " "))
print(("camelCaseString"):gsub("(%u)", function(c) return "_" .. c:lower() end))
print(("hello"):find("l+"), ("hello"):match(".-(l+)(.*)"))
local count = select(2, ("a,b,,c,"):gsub(",", ","))
print("commas", count)
local fields = {}
for field in ("a,b,,c,"):gmatch("([^,]*)") do fields[#fields + 1] = "<" .. field .. ">" end
print(table.concat(fields))
print(("%a"):rep(3), ("x y z"):gsub("%s", "%%"))
print(string.match("  123abc", "^%s*(%d+)()"))
print(string.find("abc", "b", -1), string.find("abc", "b", -2), string.find("", ""))
print(string.match("caf\xc3\xa9", "[\x80-\xff]+"):byte(1, -1))
