-- The arg table and the command line as the guest sees it: arg[0] is the script path, arg[-1]
-- the interpreter path, and ... in the main chunk holds the script arguments (none here).
print("script", arg[0] == debug.getinfo(1, "S").short_src, #arg, select("#", ...))
print("interpreter name", arg[-1]:match("[^/]*$"), arg[-2])
print("script name", arg[0]:match("[^/]*$"))
local info = debug.getinfo(1, "Sl")
print(info.what, info.currentline, info.source:sub(1, 1), info.source:match("[^/]*$"))
local function where() local i = debug.getinfo(2, "nl"); return i.currentline, i.name end
local function caller() return where() end
print(caller())
print(debug.traceback("message", 1):gsub("\n.*", ""))
local tb = debug.traceback()
local levels = select(2, tb:gsub("\n", ""))
print("traceback lines", levels)
print(_VERSION, type(_G), _G._G == _G, _ENV == _G)
