-- A module loaded by require_module.lua through package.path; it counts how often its body
-- runs so the test can check that require caches it.
local M = {}
LOAD_COUNT = (LOAD_COUNT or 0) + 1
M.name = ...
M.where = select(2, ...) ~= nil
function M.greet(who) return "hello, " .. who end
return M
