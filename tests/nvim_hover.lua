-- Drives `ctxsteward serve` from Neovim's built-in LSP client (run by tests/test_lsp_nvim.py):
-- opens CTXS_FILE, attaches the server, waits for it, hovers at CTXS_LINE:CTXS_COL (0-based) and
-- writes the hover result (or the error) as JSON to CTXS_OUT. Works from Neovim 0.7 on.
local function env(name)
  local value = os.getenv(name)
  assert(value, name .. " is not set")
  return value
end

local function run()
  vim.cmd("edit " .. vim.fn.fnameescape(env("CTXS_FILE")))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "ctxsteward",
    cmd = { env("CTXS_CMD"), "serve" },
    root_dir = env("CTXS_ROOT"),
    init_options = { contextWindow = 100000 },
  })
  assert(client_id, "the server did not start")
  vim.lsp.buf_attach_client(bufnr, client_id)
  local ready = vim.wait(60000, function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and (c.initialized or c.server_capabilities ~= nil)
  end, 50)
  assert(ready, "the server did not initialize")
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
  vim.lsp.stop_client(client_id)
  return answer
end

local ok, result = pcall(run)
local f = assert(io.open(env("CTXS_OUT"), "w"))
f:write(vim.fn.json_encode({ ok = ok, result = ok and result or nil, error = (not ok) and tostring(result) or nil }))
f:close()
vim.cmd(ok and "qa!" or "cq!")
