-- The utf8 library: char, charpattern, codes, codepoint, len (with invalid input) and offset.
local s = "h\u{E9}llo w\u{F6}rld \u{4E16}\u{754C} \u{1F600}"
print(#s, utf8.len(s), utf8.char(72, 228, 8364, 128512, 0x7FFFFFFF):byte(1, -1))
for pos, code in utf8.codes(s) do io.write(pos, ":", code, " ") end
print()
print(utf8.codepoint(s, 1, -1))
print(utf8.offset(s, 3), utf8.offset(s, -1), utf8.offset(s, 0, 3), utf8.offset(s, 100))
print(utf8.len("abc\xffdef"), utf8.len("\xe4\xb8"), utf8.len(""), utf8.len(s, 3))
print(pcall(utf8.codepoint, "\xff"))
print(pcall(utf8.len, s, 3, 100))
local chars = {}
for ch in s:gmatch(utf8.charpattern) do chars[#chars + 1] = ch end
print(#chars, chars[2], chars[13], table.concat(chars, "|"))
print(utf8.char(), utf8.char(65), pcall(utf8.char, -1))
print(utf8.len("\u{7FF}\u{800}\u{FFFF}\u{10000}"), utf8.codepoint("\u{10FFFF}"))
print(utf8.len("\xed\xa0\x80"), utf8.len("\xed\xa0\x80", 1, -1, true))
print(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*")
local reversed = {}
for _, c in utf8.codes("ab\u{E9}\u{4E16}") do table.insert(reversed, 1, utf8.char(c)) end
print(table.concat(reversed))
