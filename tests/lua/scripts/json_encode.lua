-- A small JSON encoder (sorted object keys, string escaping, integer/float numbers, nesting,
-- cycle detection) and a decoder, round-tripping a document.
local encode
local escapes = {['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t"}
local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end
local function is_array(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  for i = 1, n do if t[i] == nil then return false end end
  return true, n
end
function encode(v, seen)
  seen = seen or {}
  local kind = type(v)
  if kind == "nil" then return "null"
  elseif kind == "boolean" then return tostring(v)
  elseif kind == "number" then
    if v ~= v or v == math.huge or v == -math.huge then error("cannot encode " .. tostring(v)) end
    if math.type(v) == "integer" then return tostring(v) end
    return string.format("%.14g", v)
  elseif kind == "string" then return encode_string(v)
  elseif kind == "table" then
    if seen[v] then error("cycle") end
    seen[v] = true
    local out = {}
    local arr, n = is_array(v)
    if arr and n > 0 then
      for i = 1, n do out[i] = encode(v[i], seen) end
      seen[v] = nil
      return "[" .. table.concat(out, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local val = v[k]
      if val == nil then val = v[tonumber(k)] end
      out[#out + 1] = encode_string(k) .. ":" .. encode(val, seen)
    end
    seen[v] = nil
    return "{" .. table.concat(out, ",") .. "}"
  end
  error("cannot encode " .. kind)
end
local decode
local function skip(s, i) return s:find("[^ \t\r\n]", i) or #s + 1 end
local function decode_value(s, i)
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local obj = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "}" then return obj, i + 1 end
    while true do
      local key
      key, i = decode_value(s, i)
      i = skip(s, i)
      assert(s:sub(i, i) == ":", "expected colon at " .. i)
      obj[key], i = decode_value(s, i + 1)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "}" then return obj, i + 1 end
      assert(d == ",", "expected comma at " .. i)
      i = i + 1
    end
  elseif c == "[" then
    local arr = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "]" then return arr, i + 1 end
    while true do
      arr[#arr + 1], i = decode_value(s, i)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "]" then return arr, i + 1 end
      assert(d == ",", "expected comma at " .. i)
      i = i + 1
    end
  elseif c == '"' then
    local out, j = {}, i + 1
    while true do
      local ch = s:sub(j, j)
      if ch == '"' then return table.concat(out), j + 1 end
      if ch == "\\" then
        local e = s:sub(j + 1, j + 1)
        local map = {b = "\b", f = "\f", n = "\n", r = "\r", t = "\t"}
        if e == "u" then
          out[#out + 1] = utf8.char(tonumber(s:sub(j + 2, j + 5), 16)); j = j + 6
        else
          out[#out + 1] = map[e] or e; j = j + 2
        end
      else
        out[#out + 1] = ch; j = j + 1
      end
    end
  elseif s:find("^true", i) then return true, i + 4
  elseif s:find("^false", i) then return false, i + 5
  elseif s:find("^null", i) then return nil, i + 4
  end
  local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  assert(num, "bad json at " .. i)
  return math.tointeger(tonumber(num)) or tonumber(num), i + #num
end
function decode(s) return (decode_value(s, 1)) end
local doc = {
  name = "forkbox", version = 1, ratio = 0.75, tags = {"sandbox", "riscv", "kvm"},
  nested = {deep = {deeper = {value = -12, list = {1, 2.5, "three", true, false}}}},
  text = "quote \" backslash \\ newline \n tab \t ctrl \1 unicode \u{E9}",
  empty_obj = {}, big = math.maxinteger, small = 1e-10, flag = false,
}
local json = encode(doc)
print(json)
local back = decode(json)
print(encode(back) == json, back.nested.deep.deeper.list[3], back.big, back.text == doc.text)
print(pcall(encode, {bad = 0/0}))
local cyc = {}
cyc.self = cyc
print(pcall(encode, cyc))
print(encode({1, 2, {3, {4, {}}}}), encode("\0"), encode(-0.0), encode(1e300))
print(encode(decode('  {"a" : [1, 2, {"b": null}], "c": "d\\u0041", "e": -1.5e3}  ')))
