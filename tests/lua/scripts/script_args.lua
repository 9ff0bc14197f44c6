-- Command-line arguments (script_args.args, one per line): they reach the main chunk both as
-- the global arg table (arg[1..n], with arg[0] the script and arg[-1] the interpreter) and as
-- the chunk's varargs; empty strings, spaces and non-ASCII bytes survive unchanged.
print("count", #arg, select("#", ...))
for i = 1, #arg do
  print(i, string.format("%q", arg[i]), arg[i] == select(i, ...), #arg[i])
end
print("interpreter", arg[-1]:match("[^/]*$"), arg[-2])
print("script", arg[0]:match("[^/]*$"))
local n = tonumber(arg[1])
print("first as number", n, math.type(n))
local joined = table.concat({...}, "|")
print("joined", joined, #joined)
