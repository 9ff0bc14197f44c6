-- os.time with fixed tables (normalization of out-of-range fields), os.date with fixed times
-- in UTC ("!") and local time (TZ=UTC0 in the test environment), os.difftime and os.getenv.
local t0 = os.time({year = 2000, month = 1, day = 1, hour = 0})
print(t0, os.time({year = 2024, month = 2, day = 29, hour = 12, min = 30, sec = 15}))
print(os.time({year = 2023, month = 14, day = 35, hour = 25, min = 61, sec = 61}))
print(os.time({year = 1970, month = 1, day = 1, hour = 0}), os.time({year = 2038, month = 1,
  day = 19, hour = 3, min = 14, sec = 8}))
print(os.date("!%Y-%m-%d %H:%M:%S", 0), os.date("!%Y-%m-%d %H:%M:%S", 1700000000))
print(os.date("!%A %B %d %j %U %w %y %p %I %%", 951782400))
print(os.date("!%c", 1234567890), os.date("!%x %X", 1234567890), os.date("!%D %T %F", 86399))
local d = os.date("!*t", 1709210096)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
local l = os.date("*t", 1709210096)
print(l.year, l.month, l.day, l.hour, l.min, l.sec, l.wday, l.yday, l.isdst)
print(os.date("%Y-%m-%d %H:%M:%S %Z", 1709210096))
print(os.time(os.date("*t", 1234567890)) == 1234567890)
print(os.difftime(t0 + 3600, t0), os.difftime(t0, t0 + 90))
print(pcall(os.date, "%Ez", 0))
print(pcall(os.date, "%Q", 0))
print(pcall(os.time, {year = 2000}))
print(os.getenv("FORKBOX_LUA_TEST"), os.getenv("TZ"), os.getenv("NO_SUCH_VARIABLE_XYZ"))
print(type(os.time()), type(os.clock()), math.type(os.time()))
local days = {}
for m = 1, 12 do
  local first = os.time({year = 2024, month = m, day = 1, hour = 12})
  local nextm = os.time({year = 2024, month = m + 1, day = 1, hour = 12})
  days[m] = os.difftime(nextm, first) // 86400
end
print(table.concat(days, " "))
