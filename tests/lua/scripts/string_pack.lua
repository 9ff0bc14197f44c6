-- string.pack/unpack/packsize: integer sizes and signedness, endianness, floats, strings with
-- length prefixes and zero terminators, alignment, and overflow errors.
local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end
print(hex(string.pack("<i4", 1)), hex(string.pack(">i4", 1)), hex(string.pack("=i2", -2)))
print(hex(string.pack("<I8", math.maxinteger)), hex(string.pack("<j", math.mininteger)))
print(hex(string.pack("<i3", -1)), hex(string.pack(">I3", 0x123456)), hex(string.pack("<I16", 7)))
print(hex(string.pack("<d", 1.5)), hex(string.pack(">f", -0.25)), hex(string.pack("<n", math.pi)))
print(hex(string.pack("z", "abc")), hex(string.pack("s1", "hey")), hex(string.pack(">s2", "hi")))
print(hex(string.pack("<!4 i1 i4", 1, 2)), hex(string.pack("<i1 x i2 Xi4 i4", 1, 2, 3)))
print(hex(string.pack("c5", "ab")), hex(string.pack("<bBhH", -1, 255, -1, 65535)))
print(string.unpack("<i4", string.pack("<i4", -123456)))
print(string.unpack(">I2 >I2", "\1\2\3\4"))
print(string.unpack("z z", "first\0second\0"))
print(string.unpack("s1 B", "\3abc\9"))
print(string.unpack("<d f", string.pack("<d f", 1/3, 1/3)))
print(string.unpack("<i8", string.pack("<i8", -1)), string.unpack("<I8", string.pack("<i8", -1)))
print(string.unpack("<i16", string.pack("<i16", -5)))
print(pcall(string.unpack, "<i16", string.rep("\255", 8) .. string.rep("\1", 8)))
print(string.packsize("i4 i8 d"), string.packsize("!8 i1 i8"), string.packsize("c10 b h"))
print(pcall(string.pack, "i1", 200), pcall(string.pack, "I1", -1))
print(pcall(string.pack, "i17", 1))
print(pcall(string.unpack, "i4", "abc"))
print(pcall(string.packsize, "s"), pcall(string.packsize, "z"))
print(string.unpack("<i2", "\1\0\2\0", 3))
print(string.unpack("<i2", "\1\0\2\0", -2))
local rec = string.pack("<I4 z d s1", 42, "name", 2.5, "tail")
print(#rec, string.unpack("<I4 z d s1", rec))
local ints = {}
for i = 1, 100 do ints[i] = i * i * i end
local blob = string.pack("<" .. string.rep("i4", 100), table.unpack(ints))
local back = {string.unpack("<" .. string.rep("i4", 100), blob)}
print(#blob, back[1], back[50], back[100], back[101])
