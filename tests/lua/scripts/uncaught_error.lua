-- exit: 1
-- An uncaught runtime error: the interpreter prints the message with the script path and line
-- and a stack traceback on stderr, then exits with status 1. Output before it must survive.
print("before the error")
io.stderr:write("a line on stderr first\n")
local function inner(t) return t.missing.field end
local function outer() return inner({}) end
outer()
print("never printed")
