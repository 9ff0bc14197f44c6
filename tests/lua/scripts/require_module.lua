-- require and package: loading a module file from a directory beside the script through
-- package.path, caching in package.loaded, preload, searchers, and the error messages for a
-- missing module and a module with a syntax error.
local dir = arg[0]:match("^(.*)/[^/]*$")
package.path = dir .. "/modules/?.lua"
package.cpath = ""
local m = require("fbmod")
print(m.name, m.where, m.greet("world"), LOAD_COUNT)
local again = require("fbmod")
print(again == m, LOAD_COUNT, package.loaded.fbmod == m)
package.loaded.fbmod = nil
require("fbmod")
print("reloaded", LOAD_COUNT)
package.preload.virtual = function(name, extra) return {name = name, extra = extra} end
local v = require("virtual")
print(v.name, v.extra)
local ok, err = pcall(require, "no_such_module")
print(ok, (err:gsub(dir, "<dir>")))
local ok2, err2 = pcall(require, "broken")
print(ok2, (err2:gsub(dir, "<dir>")))
print(#package.searchers, type(package.searchpath), package.config:sub(1, 1))
print((package.searchpath("fbmod", package.path):gsub(dir, "<dir>")))
print(package.searchpath("nope", dir .. "/?.x;" .. dir .. "/?.y") == nil)
print(package.loaded.string == string, package.loaded._G == _G, type(package.loadlib))
print(package.loadlib("/nonexistent.so", "f"))
