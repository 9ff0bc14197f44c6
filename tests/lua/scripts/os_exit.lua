-- exit: 3
-- os.exit with a status: buffered output written with io.write must be flushed first, and
-- to-be-closed variables are closed when os.exit's second argument is true.
io.write("buffered output, ")
io.write("no newline")
local r <close> = setmetatable({}, {__close = function() io.write(" [closed]") end})
io.stderr:write("stderr before exit\n")
os.exit(3, true)
