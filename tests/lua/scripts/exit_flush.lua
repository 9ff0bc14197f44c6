-- Output left in buffers when the script ends must still come out, as when the standalone
-- interpreter returns from main: a fully buffered stderr, and stdout without a final newline
-- or flush (the agent flushes the standard streams itself when no finalizer runs). Also: the
-- global table holds `arg` among the library names, exactly as in the standalone
-- interpreter, and `arg` is a fresh table of this run.
local names = {}
for k in pairs(_G) do names[#names + 1] = tostring(k) end
table.sort(names)
print(table.concat(names, " "))
print(type(arg), arg[-1], #arg, rawget(_G, "arg") == arg)
arg = nil
print(rawget(_G, "arg"))
io.stderr:setvbuf("full")
io.stderr:write("buffered stderr line 1\n")
io.stderr:write("buffered stderr, no newline")
io.stdout:setvbuf("full", 64)
for i = 1, 40 do io.write(i, i % 10 == 0 and "\n" or " ") end
local t = setmetatable({}, {__index = function(_, k) return k .. "!" end})
io.write(t.x, " ", t.y)
