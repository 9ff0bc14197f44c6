-- Reading files: the script reads its own source through io.open, io.lines and file:seek, and
-- tries to open files that do not exist; no file is written (the sandbox is read-only).
local path = arg[0]
local f = assert(io.open(path, "r"))
print(io.type(f), f:seek("end") > 0)
local size = f:seek("end")
f:seek("set", 0)
local first = f:read("l")
print(first)
print(f:seek("cur") == #first + 1)
f:seek("set", 3)
print(f:read(10))
local all = f:read("a")
print(#all == size - 13, f:read("a") == "", f:read("l"))
f:close()
print(io.type(f), pcall(f.read, f))
local n = 0
local longest = ""
for line in io.lines(path) do
  n = n + 1
  if #line > #longest then longest = line end
end
print("lines", n, "longest", #longest)
local chars = 0
for chunk in io.lines(path, 64) do chars = chars + #chunk end
print("chars", chars == size)
local nf, msg, code = io.open(path .. ".does-not-exist", "r")
print(nf, (msg:gsub("^.*/", "")), code)
print(pcall(io.lines, path .. ".missing"))
local h = io.open(path, "rb")
local bytes = h:read(5)
print(#bytes, h:read(0) ~= nil)
h:seek("end", -1)
print(h:read(1) == "\n", h:read(1), h:read(0))
h:close()
local g = io.open(path)
local words = 0
for _ in g:read("a"):gmatch("%a+") do words = words + 1 end
g:close()
print("words", words > 100)
print(pcall(io.open, path, "invalid-mode"))
-- the marker line below is found by reading the file
local found
for line in io.lines(path) do if line:find("^%-%- MARKER") then found = line end end
print(found)
-- MARKER: this line is read back by the script itself
