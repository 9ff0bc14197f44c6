-- A module with a syntax error, for require_module.lua's error path.
return {
