-- A guided tour of MindVis tensors: run with `mindvis examples/tensor_tour.lua`.
-- Everything is float32; indices and dimensions are 1-based (Lua style); the rest follows PyTorch.

mv.parse_args(arg or {}, {}, "A guided tour of MindVis tensors: making them, arithmetic and broadcasting, views, reductions, autograd.")

local function section(title) print(("\n== %s =="):format(title)) end

mv.manual_seed(2022)

section("Making tensors")
local a = mv.tensor{{1, 2, 3}, {4, 5, 6}}
print(a)                                   -- printed with its shape underneath
print("shape:", table.concat(a:shape(), "x"), "dims:", a:dim(), "elements:", a:numel())
print(mv.zeros(2, 2))
print(mv.full({2, 3}, 0.5))
print(mv.arange(5))
print(mv.linspace(0, 1, 5))
print(mv.randn(2, 4))                      -- seeded: the same numbers on every run

section("Arithmetic and broadcasting")
local row = mv.tensor{10, 20, 30}
print(a + row)                             -- [2, 3] + [3]: the row is repeated down the rows
print(2 * a - 1)                           -- numbers work on either side
print(1 / a)
print(a:matmul(a:t()))                     -- * is elementwise; matmul is the matrix product
print(a:gt(3))                             -- comparisons give 0/1 tensors

section("Indexing, 1-based")
print(a[1])                                -- the first row (a view)
print(a[2][3], a[-1][-1])                  -- numbers for 1-D; negative counts from the end
local values, indices = a:max(2)
print("row maxima", table.concat(values:totable(), " "), "at columns", table.concat(indices:totable(), " "))
print("column sums", table.concat(a:sum(1):totable(), " "), "overall mean", a:mean():item())

section("Views share storage")
local flat = a:view(6)                     -- no copy
flat[1] = 100
print(a[1][1])                             -- 100: the change shows through
local middle = a:narrow(2, 2, 1)           -- column 2 as a [2, 1] view
middle:fill_(-1)
print(a)
print(a:transpose(1, 2):is_contiguous(), a:transpose(1, 2):contiguous():is_contiguous())

section("Autograd")
local w = mv.randn(3, 1):requires_grad()
local x = mv.randn(4, 3)
local loss = (x:matmul(w):tanh() ^ 2):mean()
print(loss)                                -- the footer names the op that made it
loss:backward()
print(w.grad)                              -- dloss/dw, accumulated by backward()
local frozen = mv.no_grad(function() return x:matmul(w) end)
print("under no_grad nothing is recorded:", frozen.needs_grad)

section("Printing")
print(mv.arange(3000))                     -- large tensors are summarised
mv.set_printoptions{precision = 2}
print(mv.randn(2, 3))
mv.set_printoptions{profile = "default"}
print(mv.tensor{1e-6, 1, 1000})            -- far-apart magnitudes switch to scientific notation

section("Memory")
for _ = 1, 100 do mv.zeros(1024, 1024) end            -- 4 MB each, dropped at once; no collectgarbage() needed
local memory = mv.memory()
print(("tensor memory: %.1f MB live, %.1f MB peak"):format(memory.live / 2^20, memory.peak / 2^20))
