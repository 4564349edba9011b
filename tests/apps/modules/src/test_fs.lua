local M = {}

local expect_error = require("expect").error

local function read_only_folder()
  local ro = assert(fs.get("mods:files_ro"))
  assert(ro:pwd() == "/")
  assert(ro:readfile("/sub/hello.txt") == "hello from a read-only folder\n")
  assert(ro:exists("sub/hello.txt") == true)
  assert(ro:exists("nope.txt") == false)
  assert(ro:isdir("/sub") == true and ro:isdir("/lines.txt") == false)
  local info = assert(ro:stat("/lines.txt"))
  assert(info.name == "lines.txt" and info.size == 31 and info.type == fs.type.FILE and info.is_dir == false)
  assert(ro:stat("/sub").type == fs.type.DIR)
  -- a symlink that stays inside is followed
  assert(ro:readfile("inner_link") == "hello from a read-only folder\n")
  -- chdir + relative paths
  assert(ro:chdir("sub") == true and ro:pwd() == "/sub")
  assert(ro:readfile("hello.txt"):find("read%-only"))
  assert(ro:chdir("/") and ro:pwd() == "/")

  -- escapes: `..` chains, absolute symlinks, relative symlinks climbing out (kernel-refused)
  for _, p in ipairs({"../secret", "/../../etc/passwd", "sub/../../etc/passwd", "escape_abs/passwd",
                      "escape_rel/passwd"}) do
    expect_error(errors.INVALID, "path traversal not allowed", ro:readfile(p))
    expect_error(errors.INVALID, "path traversal not allowed", ro:open(p, "r"))
    expect_error(errors.INVALID, "path traversal not allowed", ro:stat(p))
  end
  local e, eerr = ro:exists("../etc")
  assert(e == false and eerr and eerr:kind() == errors.INVALID, "exists refuses an escape")
  expect_error(errors.INVALID, "path traversal not allowed", ro:chdir(".."))
  expect_error(errors.INVALID, "path traversal not allowed", ro:chdir("escape_abs"))
  assert(ro:pwd() == "/")
  expect_error(errors.INVALID, "path contains null byte", ro:readfile("a\0b"))

  -- the directory's mode 0555: every writing operation is refused
  expect_error(errors.PERMISSION_DENIED, "is read-only", ro:writefile("/new.txt", "x"))
  expect_error(errors.PERMISSION_DENIED, "is read-only", ro:open("/lines.txt", "w"))
  expect_error(errors.PERMISSION_DENIED, "is read-only", ro:open("/lines.txt", "a"))
  expect_error(errors.PERMISSION_DENIED, "is read-only", ro:mkdir("/newdir"))
  expect_error(errors.PERMISSION_DENIED, "is read-only", ro:remove("/lines.txt"))
  assert(ro:exists("/new.txt") == false)

  -- readdir: sorted entries with types
  local names = {}
  for entry in ro:readdir("/") do names[#names + 1] = entry.name .. ":" .. entry.type end
  local listing = table.concat(names, ",")
  assert(listing:find("lines.txt:file", 1, true) and listing:find("sub:directory", 1, true), listing)

  -- scanner over lines and words
  local f = assert(ro:open("/lines.txt", "r"))
  local sc = assert(f:scanner("lines"))
  local lines = {}
  while sc:scan() do lines[#lines + 1] = sc:text() end
  assert(sc:err() == nil)
  assert(#lines == 3 and lines[2] == "line two" and lines[3] == "third  word", table.concat(lines, "|"))
  f:close()
  f = assert(ro:open("/lines.txt", "r"))
  local words = {}
  sc = f:scanner("words")
  while sc:scan() do words[#words + 1] = sc:text() end
  assert(table.concat(words, ",") == "line,one,line,two,third,word", table.concat(words, ","))
  assert(f:seek("set", 5) == 5)
  assert(f:read(3) == "one")
  assert(f:seek("end", 0) == 31)
  expect_error(errors.NOT_FOUND, "EOF", f:read())
  assert(f:close() == true and f:close() == true)
  local ok, err = pcall(f.read, f)
  assert(not ok and tostring(err):find("file already closed"), tostring(err))
end

local function writable_folder()
  local rw = assert(fs.get("mods:files_rw"))
  local dir = "/run-" .. time.now():unix_nano()
  assert(rw:mkdir(dir))
  expect_error(errors.ALREADY_EXISTS, "already exists", rw:mkdir(dir))
  assert(rw:chdir(dir))
  assert(rw:writefile("a.txt", "alpha\n"))
  assert(rw:writefile("a.txt", "beta\n", "a"))
  assert(rw:readfile(dir .. "/a.txt") == "alpha\nbeta\n")
  expect_error(errors.ALREADY_EXISTS, nil, rw:writefile("a.txt", "x", "wx"))
  local f = assert(rw:open("b.txt", "w"))
  assert(f:write("one "))
  assert(f:write("two"))
  assert(f:sync())
  assert(f:stat().size == 7)
  f:close()
  assert(rw:readfile("b.txt") == "one two")
  expect_error(errors.INVALID, "invalid mode", rw:open("b.txt", "rw"))
  -- creating or removing outside the root is refused before anything happens
  expect_error(errors.INVALID, "path traversal not allowed", rw:writefile("../../escaped.txt", "x"))
  expect_error(errors.INVALID, "path traversal not allowed", rw:mkdir("/../escaped_dir"))
  expect_error(errors.INVALID, "path traversal not allowed", rw:remove("../../../tmp"))
  -- a directory that is not empty cannot be removed
  expect_error(errors.INVALID, "not empty", rw:remove(dir))
  assert(rw:remove("a.txt") and rw:remove("b.txt"))
  assert(rw:chdir("/"))
  assert(rw:remove(dir))
  assert(rw:exists(dir) == false)
end

local function permissions()
  local scoped = funcs.new():with_actor({id = "user:1"}):with_scope({"mods:may_read_greeting"})
  assert(scoped:call("mods:probe", "fs.get", "mods:files_ro") == "fs: mods:files_ro")
  local v, err = scoped:call("mods:probe", "fs.get", "mods:files_rw")
  expect_error(errors.PERMISSION_DENIED, "not allowed to access filesystem: mods:files_rw", v, err)
  expect_error(errors.NOT_FOUND, "filesystem not found: mods:nope", fs.get("mods:nope"))
  expect_error(errors.INVALID, "filesystem name required", fs.get(""))
end

-- A loop that opens files without closing them hits the per-state limit (256), not the
-- process's descriptor limit; closing gives the budget back.
local function open_file_budget()
  local ro = assert(fs.get("mods:files_ro"))
  local open = {}
  local err
  for i = 1, 300 do
    local f, e = ro:open("/lines.txt", "r")
    if not f then err = e break end
    open[#open + 1] = f
  end
  assert(#open == 256, "opened " .. #open)
  assert(err and err:kind() == errors.UNAVAILABLE and tostring(err):find("files open"), tostring(err))
  for _, f in ipairs(open) do f:close() end
  for i = 1, 300 do assert(ro:open("/lines.txt", "r")):close() end
end

function M.main()
  open_file_budget()
  read_only_folder()
  writable_folder()
  permissions()
  return true
end

return M
