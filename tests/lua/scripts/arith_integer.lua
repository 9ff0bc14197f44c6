-- Integer arithmetic: floor division and modulo with negative operands, wrap-around on
-- overflow, bitwise operators and shifts, and integer division by zero.
local values = {7, -7, 3, -3, 1, 0, math.maxinteger, math.mininteger}
for _, a in ipairs({7, -7, 13, -13, 0}) do
  for _, b in ipairs({2, -2, 3, -3, 5}) do
    print(string.format("%d // %d = %d   %d %% %d = %d", a, b, a // b, a, b, a % b))
  end
end
print("maxinteger", math.maxinteger, "mininteger", math.mininteger)
print("max + 1 wraps", math.maxinteger + 1 == math.mininteger, math.maxinteger + 1)
print("min - 1 wraps", math.mininteger - 1)
print("max * 2", math.maxinteger * 2)
print("min * -1", math.mininteger * -1)
print("min // -1", math.mininteger // -1)
print("min % -1", math.mininteger % -1)
print("-min", -math.mininteger)
for _, v in ipairs(values) do
  print(v, v & 0xff, v | 1, v ~ 0x5555, ~v, v << 3, v >> 3, v << 63, v >> 63, v << 64, v >> -1)
end
print(0x7fffffffffffffff + 0, 0xffffffffffffffff, 0x10000000000000000)
print(1 << 62, 1 << 63, (1 << 63) - 1)
print(5 // 0.0, -5 // 0.0, 0/0 ~= 0/0)
for _, expr in ipairs({"return 1 // 0", "return 1 % 0", "return math.mininteger // 0"}) do
  local ok, err = pcall(load(expr, "=expr"))
  print(expr, ok, err)
end
print(3 * 4 - 10 // 3 + 2 ^ 2, 2 ^ 63, 10 / 2, 7 // 2.0, 7.5 % 2, -7.5 % 2, 7.5 % -2)
print(math.type(1), math.type(1.0), math.type("1"), math.type(2^31), math.type(1 // 1))
local acc = 0
for i = 1, 100000 do acc = acc * 31 + i end
print("hash accumulate", acc)
local x = 1
for _ = 1, 70 do x = x * 3 end
print("3^70 wrapped", x)
print(string.format("%x %X %o", 255, 3054, 8), string.format("%5d|%-5d|%05d", 42, 42, 42))
