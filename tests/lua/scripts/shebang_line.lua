#!/usr/bin/env lua
-- exit: 1
-- A first line starting with '#' (a Unix "shebang") is skipped by the interpreter, but it still
-- counts, so the error below must be reported at line 7, with the usual traceback.
print("after the shebang line", debug.getinfo(1, "l").currentline)
local t = setmetatable({}, {__index = function(_, k) error("no field " .. k, 2) end})
print(t.missing)
