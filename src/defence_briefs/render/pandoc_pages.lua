-- Convert the pages of one job in a single pandoc process (`pandoc lua pandoc_pages.lua`), as the command line
-- `pandoc --from=READER --to=TO --metadata-file=M --template=T --wrap=none -V ...` would convert each one.
-- The job comes as JSON on stdin: {"reader": "...", "pages": [{"name", "markdown", "to", "metadata" (JSON text),
-- "template" (a path; none: a fragment), "variables", "options" (writer options)}]}. The answer goes to stdout as JSON:
-- {"pages": [{"output", "warnings"}]}, or {"failed": name, "error": message} at the first page that fails.

local job = pandoc.json.decode(io.read("a"), false)

local function read_file(path)
  local handle, problem = io.open(path, "r")
  if not handle then
    error(problem, 0)
  end
  local text = handle:read("a")
  handle:close()
  return text
end

local function convert(page)
  -- the command line reads markdown with 72 columns, which sets the relative widths of long pipe tables
  local reader_options = {columns = 72}
  local doc = pandoc.read(page.markdown, job.reader, reader_options)
  -- a metadata file's values are markdown, and the document's own metadata wins over them
  local meta = pandoc.read("---\n" .. page.metadata .. "\n---\n", job.reader, reader_options).meta
  for key, value in pairs(meta) do
    if doc.meta[key] == nil then
      doc.meta[key] = value
    end
  end
  local writer_options = {wrap_text = "wrap-none", variables = page.variables}
  if page.template then
    writer_options.template = pandoc.template.compile(read_file(page.template), page.template)
  end
  for key, value in pairs(page.options) do
    writer_options[key] = value
  end
  local output = pandoc.write(doc, page.to, writer_options)
  -- the command line ends a fragment (no template) with a newline
  if not page.template and output:sub(-1) ~= "\n" then
    output = output .. "\n"
  end
  return output
end

local answer = {pages = {}}
for _, page in ipairs(job.pages) do
  local logged = #PANDOC_STATE.log
  local ok, result = pcall(convert, page)
  if not ok then
    answer = {failed = page.name, error = tostring(result)}
    break
  end
  local warnings = {}
  for position = logged + 1, #PANDOC_STATE.log do
    -- a log message's fields are read through its JSON form (its Lua fields give the text for every name)
    local message = pandoc.json.decode(pandoc.json.encode(PANDOC_STATE.log[position]), false)
    if message.verbosity ~= "INFO" then  -- what the command line reports without --verbose
      table.insert(warnings, message.pretty)
    end
  end
  table.insert(answer.pages, {output = result, warnings = warnings})
end
io.stdout:write(pandoc.json.encode(answer))
