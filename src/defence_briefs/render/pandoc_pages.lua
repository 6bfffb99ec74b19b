-- Convert the pages of a job in one pandoc process (`pandoc lua pandoc_pages.lua`), as the command line
-- `pandoc --from=READER --to=TO --metadata-file=M --template=T --wrap=none -V ...` would convert each one from
-- standard input. A job is JSON: {"reader": "...", "abbreviations": [...], "pages": [{"name", "markdown" (tabs
-- already expanded, as the command line expands them), "to", "metadata" (JSON text), "template" (a path; none: a
-- fragment), "variables", "options" (writer options)}]}. A page may come with "tables": pipe tables that convert
-- the same wherever they stand, each {"markdown"} and, converted before, its "html"; its "markdown" is then the text
-- around them (one piece more than tables). The answer is JSON: {"pages": [{"output", "warnings", "tables": the HTML
-- of the tables that came without, "read_whole": whether a table did not stand as a block of its own, so that the
-- page was read whole}]}, or {"failed": position of the page (from 1), "error": message}.
-- Jobs come a line each on stdin, each answer goes as a line to stdout, until stdin ends: the caller keeps the process
-- (a pandoc start and its first full collections cost about 40 ms).

-- variables the command line sets for every page (input from stdin, output to stdout)
local command_line_variables = {
  curdir = pandoc.system.get_working_directory(),
  sourcefile = "-",
  outputfile = "-",
  ["pandoc-version"] = tostring(PANDOC_VERSION),
}

-- `text` as a raw block of `format`, fenced by more backticks than it holds in a row
local function raw_block(format, text)
  local longest = 2
  for run in text:gmatch("`+") do
    longest = math.max(longest, #run)
  end
  local fence = string.rep("`", longest + 1)
  return fence .. "{=" .. format .. "}\n" .. text .. "\n" .. fence .. "\n"
end

-- the tables of `page` given as markdown, converted with the page's writer options in one read: their outputs
local function convert_tables(reader, page, writer_options)
  local pending = {}
  for _, item in ipairs(page.tables) do
    if item.html == nil then
      table.insert(pending, item.markdown)
    end
  end
  local outputs = {}
  if #pending == 0 then
    return outputs
  end
  local blocks = reader(table.concat(pending, "\n")).blocks
  for position, markdown in ipairs(pending) do
    -- one block a table, as each stood between blank lines; else each table read alone
    local doc = #blocks == #pending and pandoc.Pandoc({blocks[position]}) or reader(markdown)
    outputs[position] = pandoc.write(doc, page.to, writer_options)
  end
  return outputs
end

-- the page read with its tables set in as raw blocks of their outputs; nil if one of them does not come back as a
-- block of its own (a row of a multiline table, a line of a code block...) or the page cannot be read so (a table
-- inside a metadata block, its HTML's quotes breaking the YAML)
local function read_with_tables(reader, page, outputs)
  local parts, expected, converted = {page.markdown[1]}, {}, 0
  for position, item in ipairs(page.tables) do
    local html = item.html
    if html == nil then
      converted = converted + 1
      html = outputs[converted]
    end
    table.insert(parts, raw_block("html", html))
    table.insert(parts, page.markdown[position + 1])
    table.insert(expected, (html:gsub("\n+$", "")))
  end
  local ok, doc = pcall(reader, table.concat(parts))
  if not ok then
    return nil
  end
  local found = 0
  for _, block in ipairs(doc.blocks) do
    if block.t == "RawBlock" and block.format == "html" and found < #expected
        and block.text:gsub("\n+$", "") == expected[found + 1] then
      found = found + 1
    end
  end
  return found == #expected and doc or nil
end

-- the page's markdown whole, its tables as they were cut out
local function whole_markdown(page)
  local parts = {page.markdown[1]}
  for position, item in ipairs(page.tables) do
    table.insert(parts, item.markdown)
    table.insert(parts, page.markdown[position + 1])
  end
  return table.concat(parts)
end

local function convert(reader, page)
  local variables = {}
  for key, value in pairs(command_line_variables) do
    variables[key] = value
  end
  for key, value in pairs(page.variables) do
    variables[key] = value
  end
  local writer_options = {wrap_text = "wrap-none", variables = variables}
  for key, value in pairs(page.options) do
    writer_options[key] = value
  end
  local tables = page.tables and convert_tables(reader, page, writer_options) or {}
  -- the warnings of reading and writing the page, as the command line gives them (not those of a read set aside)
  local logged = #PANDOC_STATE.log
  local doc = page.tables and read_with_tables(reader, page, tables)
  local read_whole = page.tables ~= nil and doc == nil
  if not doc then
    logged = #PANDOC_STATE.log
    doc = reader(page.tables and whole_markdown(page) or page.markdown)
  end
  -- a metadata file's values are markdown, and the document's own metadata wins over them
  local meta = reader("---\n" .. page.metadata .. "\n---\n").meta
  for key, value in pairs(meta) do
    if doc.meta[key] == nil then
      doc.meta[key] = value
    end
  end
  if page.template then  -- read as the command line reads it (a byte-order mark dropped), partials from its folder
    writer_options.template = pandoc.template.compile(pandoc.template.get(page.template), page.template)
  end
  local output = pandoc.write(doc, page.to, writer_options)
  -- the command line ends a fragment (no template) with a newline
  if not page.template and output:sub(-1) ~= "\n" then
    output = output .. "\n"
  end
  return output, tables, read_whole, logged
end

local function answer(job)
  -- the command line reads the abbreviations data file (after which smart punctuation puts a no-break space);
  -- pandoc.read would otherwise use a shorter built-in list
  local abbreviations = {}
  for _, abbreviation in ipairs(job.abbreviations) do
    abbreviations[abbreviation] = true
  end
  -- the command line reads markdown with 72 columns, which sets the relative widths of long pipe tables
  local reader_options = {columns = 72, abbreviations = abbreviations}
  local function reader(text)
    return pandoc.read(text, job.reader, reader_options)
  end
  local pages = {}
  for position, page in ipairs(job.pages) do
    local ok, result, tables, read_whole, logged = pcall(convert, reader, page)
    if not ok then
      return {failed = position, error = tostring(result)}
    end
    local warnings = {}
    for entry = logged + 1, #PANDOC_STATE.log do
      -- a log message's fields are read through its JSON form (its Lua fields give the text for every name)
      local message = pandoc.json.decode(pandoc.json.encode(PANDOC_STATE.log[entry]), false)
      if message.verbosity ~= "INFO" then  -- what the command line reports without --verbose
        table.insert(warnings, message.pretty)
      end
    end
    table.insert(pages, {output = result, warnings = warnings, tables = tables, read_whole = read_whole})
  end
  return {pages = pages}
end

for line in io.lines() do
  io.stdout:write(pandoc.json.encode(answer(pandoc.json.decode(line, false))), "\n")
  io.stdout:flush()
end
