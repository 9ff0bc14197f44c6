-- Finalizers that only closing the state runs: objects still alive at exit, one that becomes
-- garbage just before the end, and one whose finalizer already ran (it must not run twice).
-- The exec agent skips lua_close when no finalizer is pending; this checks it still closes
-- (and runs these, in reverse order of marking) whenever one is.
local done_early = setmetatable({}, {__gc = function() print("finalized during the run") end})
done_early = nil
collectgarbage()
keep_global = setmetatable({name = "global"}, {__gc = function(o) print("at exit:", o.name) end})
local keep_local = setmetatable({name = "local"}, {__gc = function(o) print("at exit:", o.name) end})
do
  setmetatable({name = "garbage"}, {__gc = function(o) print("at exit:", o.name) end})
end
local resurrect = setmetatable({}, {__gc = function(o)
  print("at exit: resurrected object's finalizer, once")
  setmetatable(o, nil)
end})
print("end of the chunk", keep_local.name)
