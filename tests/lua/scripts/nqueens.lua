-- N-queens by backtracking for N = 1..9: solution counts, the first solution for each N and a
-- board drawing for N = 8.
local function solve(n)
  local cols, diag1, diag2, place = {}, {}, {}, {}
  local count, first = 0, nil
  local function try(row)
    if row > n then
      count = count + 1
      if not first then first = {table.unpack(place, 1, n)} end
      return
    end
    for c = 1, n do
      if not cols[c] and not diag1[row + c] and not diag2[row - c + n] then
        cols[c], diag1[row + c], diag2[row - c + n] = true, true, true
        place[row] = c
        try(row + 1)
        cols[c], diag1[row + c], diag2[row - c + n] = false, false, false
      end
    end
  end
  try(1)
  return count, first
end
for n = 1, 9 do
  local count, first = solve(n)
  print(n, count, first and table.concat(first, ",") or "-")
end
local _, board = solve(8)
for r = 1, 8 do
  local row = {}
  for c = 1, 8 do row[c] = board[r] == c and "Q" or "." end
  print(table.concat(row, " "))
end
