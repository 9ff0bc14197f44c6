-- The math library: floor/ceil/fmod/modf with negative and special arguments, tointeger, ult,
-- abs/min/max on integers and floats, transcendental functions (printed at %.14g), math.type.
print(math.floor(3.7), math.floor(-3.7), math.floor(5), math.ceil(3.2), math.ceil(-3.2),
  math.type(math.floor(2.0^70)), math.floor(-0.0))
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(-7, -3))
print(math.fmod(7.5, 2), math.fmod(-7.5, 2), math.fmod(1, 0.0), math.fmod(math.mininteger, -1))
print(pcall(math.fmod, 1, 0))
print(math.modf(3.7), math.modf(-3.7), math.modf(5), math.modf(math.huge), math.modf(-math.huge))
print(math.tointeger(5.0), math.tointeger(5.5), math.tointeger("5"), math.tointeger(2^62))
print(math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1), math.ult(math.maxinteger, math.mininteger))
print(math.abs(-5), math.abs(5.5), math.abs(math.mininteger), math.abs(-0.0))
print(math.max(1, 2.5, -3), math.min(1, 2.5, -3), math.max(3), math.min(2, 2.0), math.max(2.0, 2))
print(pcall(math.max))
print(math.pi, -math.pi, math.huge, -math.huge, math.maxinteger, math.mininteger)
for _, x in ipairs({0, 0.5, 1, 2, 10, -1.5}) do
  print(x, string.format("%.14g %.14g %.14g %.14g %.14g", math.sin(x), math.cos(x), math.tan(x),
    math.exp(x), math.atan(x)))
end
for _, x in ipairs({1, 2, 10, 100, 0.001, 1e300}) do
  print(x, string.format("%.14g %.14g %.14g %.14g", math.log(x), math.log(x, 2), math.log(x, 10),
    math.sqrt(x)))
end
print(math.log(0), math.log(-1) ~= math.log(-1), math.sqrt(-1) ~= math.sqrt(-1))
print(string.format("%.14g %.14g %.14g", math.asin(0.5), math.acos(0.5), math.atan(1, -1)))
print(math.atan(0, -1) == math.pi, math.atan(-0.0, -1) == -math.pi, math.atan(1, 0) == math.pi / 2)
print(math.type(1), math.type(1.0), math.type("1"), math.type(nil))
print(pcall(math.type))
print(7 // 2, 7.0 // 2, -7 // 2, 7 % -3, -7 % 3, 7.0 % -3, 2^-1, (-8) ^ (1/3) ~= (-8) ^ (1/3))
print(math.floor(1e100) == 1e100, math.ceil(-2^63) == math.mininteger)
local acc = 0.0
for i = 1, 10000 do acc = acc + math.sin(i) * math.cos(i / 2) end
print(string.format("%.10f", acc))
