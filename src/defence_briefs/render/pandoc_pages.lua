-- Convert the pages of a job in one pandoc process (`pandoc lua pandoc_pages.lua`), as the command line
-- `pandoc --from=READER --to=TO --metadata-file=M --template=T --wrap=none -V ...` would convert each one from
-- standard input. A job is JSON: {"reader": "...", "abbreviations": [...], "pages": [{"name", "markdown" (tabs
-- already expanded, as the command line expands them), "to", "metadata" (JSON text), "template" (a path; none: a
-- fragment), "template_stamp" (changes when a file beside the template does), "variables", "options" (writer
-- options)}]}. A page may come with "tables": pipe tables that convert the same wherever they stand, each {"markdown"}
-- or, converted before, {"html"}; its "markdown" is then the text around them (one piece more than tables). The answer is JSON: {"pages": [{"output", "warnings", "tables": the HTML of the
-- tables given as markdown}]}, or {"failed": position of the page (from 1), "error": message}.
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

-- the page's markdown with its tables set in as raw blocks of their outputs
local function with_tables(page, outputs)
  local parts, converted = {page.markdown[1]}, 0
  for position, item in ipairs(page.tables) do
    local html = item.html
    if html == nil then
      converted = converted + 1
      html = outputs[converted]
    end
    table.insert(parts, raw_block("html", html))
    table.insert(parts, page.markdown[position + 1])
  end
  return table.concat(parts)
end

-- The template at `path`, read as the command line reads it (a byte-order mark dropped) and compiled (its partials
-- read from its folder); when its body stands alone on a line, also compiled with BODY in its place: pandoc lays a
-- body out line by line to set it into a template (20-40 ms for a brief's 300 KB), where a body alone on a line goes
-- as written alone. `stamp` changes when a file of the template's folder does.
local BODY = "\u{E000}defence-briefs-body\u{E000}"
local templates = {}  -- by path, stamp and text: a template or its partials may change while the process serves
local function compiled_template(path, stamp)
  local text = pandoc.template.get(path)
  local key = path .. "\0" .. (stamp or "") .. "\0" .. text
  if templates[key] == nil then
    local shell = nil
    local _, plain = text:gsub("%$body", "")
    local _, braced = text:gsub("%${body", "")
    local marked, alone = ("\n" .. text):gsub("\n%$body%$\n", "\n" .. BODY .. "\n")
    if plain + braced == 1 and alone == 1 then
      shell = pandoc.template.compile(marked:sub(2), path)
    end
    templates[key] = {full = pandoc.template.compile(text, path), shell = shell}
  end
  return templates[key]
end

-- The page written with `template`. With its shell, the body written alone (less the newline a writer may end it
-- with) is set where BODY stands alone on a line, once, in the page written around it: what the full template gives
-- when the body neither starts nor ends with white space (pandoc folds blank lines where a body meets the template).
local function write(doc, to, writer_options, template)
  if template and template.shell then
    local body = pandoc.write(doc, to, writer_options)
    if body:sub(-1) == "\n" then
      body = body:sub(1, -2)
    end
    writer_options.template = template.shell
    local page = pandoc.write(doc, to, writer_options)
    local at = page:find(BODY, 1, true)
    if body:find("^%S") and body:find("%S$") and at and not page:find(BODY, at + 1, true)
        and (at == 1 or page:sub(at - 1, at - 1) == "\n") and page:sub(at + #BODY, at + #BODY) == "\n" then
      return page:sub(1, at - 1) .. body .. page:sub(at + #BODY), true
    end
  end
  writer_options.template = template and template.full
  return pandoc.write(doc, to, writer_options), false
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
  local doc = reader(page.tables and with_tables(page, tables) or page.markdown)
  -- a metadata file's values are markdown, and the document's own metadata wins over them
  local meta = reader("---\n" .. page.metadata .. "\n---\n").meta
  for key, value in pairs(meta) do
    if doc.meta[key] == nil then
      doc.meta[key] = value
    end
  end
  local template = page.template and compiled_template(page.template, page.template_stamp)
  local output, spliced = write(doc, page.to, writer_options, template)
  -- the command line ends a fragment (no template) with a newline
  if not page.template and output:sub(-1) ~= "\n" then
    output = output .. "\n"
  end
  return output, tables, spliced
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
    local logged = #PANDOC_STATE.log
    local ok, result, tables, spliced = pcall(convert, reader, page)
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
    table.insert(pages, {output = result, warnings = warnings, tables = tables, spliced = spliced})
  end
  return {pages = pages}
end

for line in io.lines() do
  io.stdout:write(pandoc.json.encode(answer(pandoc.json.decode(line, false))), "\n")
  io.stdout:flush()
end
