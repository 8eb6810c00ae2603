-- Drives `ctxsteward serve` from Neovim's built-in LSP client (run by tests/test_lsp_nvim.py after
-- a README recipe was loaded as init.lua): opens CTXS_FILE, waits until the recipe has attached
-- a client named ctxsteward to it, hovers at CTXS_LINE:CTXS_COL (0-based) and writes the hover
-- result (or the error) and the Neovim version as JSON to CTXS_OUT. Works from Neovim 0.7 on.
local function env(name)
  local value = os.getenv(name)
  assert(value, name .. " is not set")
  return value
end

local function clients(bufnr)
  if vim.lsp.get_clients then return vim.lsp.get_clients({ bufnr = bufnr }) end -- 0.10+
  return vim.tbl_values(vim.lsp.buf_get_clients(bufnr)) -- 0.7 to 0.9
end

local function ours(bufnr)
  for _, c in ipairs(clients(bufnr)) do
    if c.name == "ctxsteward" then return c end
  end
  return nil
end

local function run()
  vim.cmd("edit " .. vim.fn.fnameescape(env("CTXS_FILE")))
  local bufnr = vim.api.nvim_get_current_buf()
  assert(vim.bo[bufnr].filetype == "python", "no filetype detected: " .. vim.bo[bufnr].filetype)
  local ready = vim.wait(60000, function()
    local c = ours(bufnr)
    return c ~= nil and c.server_capabilities ~= nil and (c.initialized ~= false)
  end, 50)
  assert(ready, "the recipe attached no initialized ctxsteward client to the buffer")
  local client = ours(bufnr)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = tonumber(env("CTXS_LINE")), character = tonumber(env("CTXS_COL")) },
  }
  local responses, err = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", params, 60000)
  assert(responses, "no hover answer: " .. tostring(err))
  local answer = nil
  for _, r in pairs(responses) do
    if r.err then error("hover failed: " .. vim.inspect(r.err)) end
    answer = r.result
  end
  return { hover = answer, root = client.config.root_dir }
end

local v = vim.version()
local version = string.format("%d.%d.%d", v.major, v.minor, v.patch)
local ok, result = pcall(run)
local f = assert(io.open(env("CTXS_OUT"), "w"))
f:write(vim.fn.json_encode({ ok = ok, version = version, result = ok and result or nil,
  error = (not ok) and tostring(result) or nil }))
f:close()
for _, c in ipairs(vim.lsp.get_active_clients and vim.lsp.get_active_clients() or vim.lsp.get_clients()) do
  c.stop()
end
vim.wait(3000, function()
  return #(vim.lsp.get_active_clients and vim.lsp.get_active_clients() or vim.lsp.get_clients()) == 0
end, 50)
vim.cmd(ok and "qa!" or "cq!")
