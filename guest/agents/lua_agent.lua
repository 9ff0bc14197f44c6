-- The forkbox Lua agent: reads one execution's code from the front of stdin and runs it as
-- `lua5.4 FILE ARGS...` would, leaving the rest of stdin (the program's own input) unread in the
-- same C stdio buffer, so io.read/io.lines in the program see exactly their input.
--
-- The first read of stdin is the snapshot's ready point: the VMM pauses the warm-up there and
-- every fork resumes inside that read with its own request in front of the program's stdin.
--
-- Request format (little-endian u32): "FBX1", field count, then each field as length + bytes:
-- [16 bytes of host CSPRNG seed, file name, code, arg[1], arg[2], ...].
local unpack = string.unpack

local function read_exact(n)
  if n == 0 then return "" end
  local s = io.stdin:read(n)
  if not s or #s ~= n then
    io.stderr:write("forkbox agent: truncated request\n")
    os.exit(1)
  end
  return s
end

local header = read_exact(8)  -- the ready point
if header:sub(1, 4) ~= "FBX1" then
  io.stderr:write("forkbox agent: bad request header\n")
  os.exit(1)
end
local fields = {}
for i = 1, unpack("<I4", header, 5) do
  fields[i] = read_exact(unpack("<I4", read_exact(4)))
end

-- Each fork must draw different random numbers: the snapshot holds one generator state.
math.randomseed(unpack("<i8i8", fields[1]))

local name, code = fields[2], fields[3]
local chunkname = (name == "" or name == "<string>") and "=(command line)" or "@" .. name
arg = { [0] = name }
for i = 4, #fields do arg[i - 3] = fields[i] end

local function message(err)
  if type(err) ~= "string" then
    local mt = getmetatable(err)
    if mt and mt.__tostring then
      err = tostring(err)
    else
      err = string.format("(error object is a %s value)", type(err))
    end
  end
  -- lua5.4 prints the traceback from the error up to the main chunk; stop where the agent's own
  -- frames begin.
  local tb = debug.traceback(err, 2)
  local out = {}
  for line in tb:gmatch("[^\n]+") do
    if line:find("lua_agent.lua", 1, true) or line:find("in function 'xpcall'", 1, true) then
      break
    end
    out[#out + 1] = line
  end
  return table.concat(out, "\n")
end

local chunk, err = load(code, chunkname, "t")
if not chunk then
  io.stderr:write("lua5.4: ", err, "\n")
  os.exit(1)
end
fields, header = nil, nil
local ok, msg = xpcall(chunk, message, table.unpack(arg, 1, #arg))
if not ok then
  io.stderr:write("lua5.4: ", msg, "\n")
  os.exit(1)
end
os.exit(0)
