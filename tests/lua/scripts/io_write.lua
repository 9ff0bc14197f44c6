-- Output: io.write with strings and numbers (integer vs float formatting), chained writes,
-- print's tab separation and tostring, stderr writes, and a large single write.
io.write("a", 1, " ", 2.0, " ", -0.0, " ", 1e100, " ", math.mininteger, "\n")
io.stdout:write("chained "):write("writes "):write("work\n")
print(1, "two", nil, true, 3.5, 2^63)
print()
print(("x"):rep(3), #arg)
io.stderr:write("to stderr: ", 42, "\n")
local f = io.stdout
print(io.type(f), io.type(io.stderr), io.type(42), f == io.output())
print(pcall(io.write, {}))
local chunk = {}
for i = 1, 5000 do chunk[i] = string.format("%05d", i) end
io.write(table.concat(chunk, ","), "\n")
io.stdout:setvbuf("no")
io.write("unbuffered line\n")
io.stdout:setvbuf("full", 1024)
for i = 1, 300 do io.write(i % 10) end
io.write("\n")
io.stdout:flush()
io.stderr:write("done on stderr\n")
io.write(string.rep("0123456789abcdef", 65536 // 16), "\n")
print(select("#", io.write()), io.write() == io.stdout)
