-- Convert the pages of one job in a single pandoc process (`pandoc lua pandoc_pages.lua`), as the command line
-- `pandoc --from=READER --to=TO --metadata-file=M --template=T --wrap=none -V ...` would convert each one from
-- standard input. The job comes as JSON on stdin: {"reader": "...", "abbreviations": [...], "pages": [{"name",
-- "markdown" (tabs already expanded, as the command line expands them), "to", "metadata" (JSON text), "template"
-- (a path; none: a fragment), "variables", "options" (writer options)}]}. The answer goes to stdout as JSON:
-- {"pages": [{"output", "warnings"}]}, or {"failed": position of the page (from 1), "error": message}.

local job = pandoc.json.decode(io.read("a"), false)

-- the command line reads the abbreviations data file (after which smart punctuation puts a no-break space);
-- pandoc.read would otherwise use a shorter built-in list
local abbreviations = {}
for _, abbreviation in ipairs(job.abbreviations) do
  abbreviations[abbreviation] = true
end
-- the command line reads markdown with 72 columns, which sets the relative widths of long pipe tables
local reader_options = {columns = 72, abbreviations = abbreviations}
-- variables the command line sets for every page (input from stdin, output to stdout)
local command_line_variables = {
  curdir = pandoc.system.get_working_directory(),
  sourcefile = "-",
  outputfile = "-",
  ["pandoc-version"] = tostring(PANDOC_VERSION),
}

local function convert(page)
  local doc = pandoc.read(page.markdown, job.reader, reader_options)
  -- a metadata file's values are markdown, and the document's own metadata wins over them
  local meta = pandoc.read("---\n" .. page.metadata .. "\n---\n", job.reader, reader_options).meta
  for key, value in pairs(meta) do
    if doc.meta[key] == nil then
      doc.meta[key] = value
    end
  end
  local variables = {}
  for key, value in pairs(command_line_variables) do
    variables[key] = value
  end
  for key, value in pairs(page.variables) do
    variables[key] = value
  end
  local writer_options = {wrap_text = "wrap-none", variables = variables}
  if page.template then
    -- read as the command line reads a template (a byte-order mark dropped)
    writer_options.template = pandoc.template.compile(pandoc.template.get(page.template), page.template)
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
for position, page in ipairs(job.pages) do
  local logged = #PANDOC_STATE.log
  local ok, result = pcall(convert, page)
  if not ok then
    answer = {failed = position, error = tostring(result)}
    break
  end
  local warnings = {}
  for entry = logged + 1, #PANDOC_STATE.log do
    -- a log message's fields are read through its JSON form (its Lua fields give the text for every name)
    local message = pandoc.json.decode(pandoc.json.encode(PANDOC_STATE.log[entry]), false)
    if message.verbosity ~= "INFO" then  -- what the command line reports without --verbose
      table.insert(warnings, message.pretty)
    end
  end
  table.insert(answer.pages, {output = result, warnings = warnings})
end
io.stdout:write(pandoc.json.encode(answer))
