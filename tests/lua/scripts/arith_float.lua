-- Floating point: tostring (%.14g), string.format conversions, special values, conversions
-- between floats and integers, and exponentiation.
local floats = {0.1, 1/3, 2/3, 1e15, 1e16, 123456789012345678, 1e100, 1e-300, 5e-324,
  2^53, 2^53 + 1, -0.0, 3.0, -2.5, 1e308 * 10, -(1e308 * 10), 100 / 7}
for _, f in ipairs(floats) do
  print(f, string.format("%.14g | %.17g | %.3f | %e | %g | %a", f, f, f, f, f, f))
end
local nan = 0/0
print("nan equality", nan == nan, nan ~= nan, nan < 1, nan > 1)
print("inf", math.huge, -math.huge, math.huge // 1, math.huge % 2)
print("0.1+0.2", 0.1 + 0.2, 0.1 + 0.2 == 0.3, string.format("%.17g", 0.1 + 0.2))
print("sqrt", math.sqrt(2), math.sqrt(1e10), 2 ^ 0.5, 8 ^ (1/3))
print("floats to ints", math.tointeger(3.0), math.tointeger(3.5), math.tointeger(2^63),
  math.tointeger(-2^63), 3.0 == 3, math.floor(-3.5), math.ceil(-3.5))
print("int vs float compare", 2^53 == 2^53 + 1, math.maxinteger + 0.0 == 2^63,
  math.maxinteger < 2^63, math.mininteger <= -2^63, 1 < 1.5, -1 > -1.5)
print("float keys", 1e15 // 1, 7.0 // 2, -7.0 // 2, 7.0 % -3, -0.0 == 0.0)
print(string.format("%10.4f|%-10.2e|%+.3g|%08.3f", math.pi, -math.pi, 1e-5, -1.5))
print(255 / 5, 256 / 1024, 1 / 8, 3 / -0.0)
local sum = 0.0
for i = 1, 1000 do sum = sum + 1 / i end
print("harmonic 1000", sum, string.format("%.17g", sum))
local prod = 1.0
for i = 1, 170 do prod = prod * i end
print("170!", prod, prod * 171)
print("mixed", 1 + 1.0, 2 * 3.0, 10 // 3.0, 2^2, 7 // 0.5)
for _, s in ipairs({"0x1p4", "1e2", " 12.5 ", "0x.8", "1e", "inf", "nan", ".5", "5.", "0x1P-2"}) do
  print(string.format("%q", s), tonumber(s))
end
