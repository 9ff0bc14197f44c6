-- Object orientation with metatables: classes, constructors, inheritance chains, method
-- overriding with super calls, class-level fields, and tostring through __tostring.
local function class(parent)
  local c = {}
  c.__index = c
  if parent then setmetatable(c, {__index = parent}) end
  c.super = parent
  c.new = function(...)
    local o = setmetatable({}, c)
    if o.init then o:init(...) end
    return o
  end
  return c
end
local Shape = class()
Shape.count = 0
function Shape:init(name) self.name = name; Shape.count = Shape.count + 1 end
function Shape:area() return 0 end
function Shape:describe() return string.format("%s with area %.2f", self.name, self:area()) end
Shape.__tostring = function(s) return "Shape(" .. s.name .. ")" end
local Rect = class(Shape)
function Rect:init(w, h) Shape.init(self, "rect"); self.w, self.h = w, h end
function Rect:area() return self.w * self.h end
Rect.__tostring = Shape.__tostring
local Square = class(Rect)
function Square:init(s) Rect.init(self, s, s); self.name = "square" end
Square.__tostring = function(s) return "Square[" .. s.w .. "]" end
local Circle = class(Shape)
function Circle:init(r) self.super.init(self, "circle"); self.r = r end
function Circle:area() return math.pi * self.r ^ 2 end
Circle.__tostring = function(c) return "Circle(r=" .. c.r .. ")" end
local shapes = {Rect.new(3, 4), Square.new(5), Circle.new(1), Shape.new("blob")}
for _, s in ipairs(shapes) do print(s:describe(), tostring(s)) end
print("count", Shape.count, Rect.count, rawget(Rect, "count"))
print(getmetatable(shapes[2]) == Square, Square.super == Rect, Rect.super == Shape)
local function isinstance(o, c)
  local m = getmetatable(o)
  while m do if m == c then return true end m = m.super end
  return false
end
print(isinstance(shapes[2], Shape), isinstance(shapes[3], Rect), isinstance(shapes[1], Rect))
local Stack = class()
function Stack:init() self.items, self.n = {}, 0 end
function Stack:push(...)
  for _, v in ipairs({...}) do self.n = self.n + 1; self.items[self.n] = v end
  return self
end
function Stack:pop() local v = self.items[self.n]; self.items[self.n] = nil; self.n = self.n - 1
  return v end
Stack.__len = function(s) return s.n end
local st = Stack.new():push(1, 2, 3):push("four")
print(#st, st:pop(), st:pop(), #st)
local Account = class()
function Account:init(b) self.balance = b end
function Account:withdraw(v)
  if v > self.balance then error({reason = "insufficient funds", balance = self.balance}) end
  self.balance = self.balance - v
end
local acct = Account.new(100)
acct:withdraw(30)
local ok, e = pcall(acct.withdraw, acct, 100)
print(acct.balance, ok, e.reason, e.balance)
print(pcall(function() return shapes[1]:nomethod() end))
