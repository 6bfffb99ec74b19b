// Draws every chart of the page with vega-embed (loaded from the local assets), in its narrow layout on a narrow
// screen; offers each chart as PNG and SVG with the page's citation under it; makes wide tables scroll in their
// own box (reachable by keyboard) and tables sortable.
(function () {
  "use strict";
  var NARROW = 640;  // px: a container narrower than this gets the chart's narrow layout (the wide one is 600-700)
  var SVG_NS = "http://www.w3.org/2000/svg";

  function specOf(id) {
    var source = id && document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function citationLines(width, fontSize) {
    var cite = document.getElementById("cite-text");
    if (!cite) { return []; }
    var words = ("Cite: " + cite.textContent.replace(/\s+/g, " ").trim()).split(" ");
    var perLine = Math.max(40, Math.floor(width / (fontSize * 0.52)));
    var lines = [""];
    words.forEach(function (word) {
      var last = lines[lines.length - 1];
      if (last && (last + " " + word).length > perLine) { lines.push(word); } else { lines[lines.length - 1] = last ? last + " " + word : word; }
    });
    return lines;
  }

  function fileName(figure, extension) {
    var page = decodeURIComponent(location.pathname.split("/").pop().replace(/\.html$/, "")) || "index";
    return page + "-" + (figure.getAttribute("data-name") || "chart") + "." + extension;
  }

  function save(name, url) {
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function svgWithCitation(svgText) {
    var doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    var root = doc.documentElement;
    var width = parseFloat(root.getAttribute("width")), height = parseFloat(root.getAttribute("height"));
    // the house font first, and a sans-serif where the file is opened without it
    root.querySelectorAll("[font-family]").forEach(function (node) {
      var family = node.getAttribute("font-family");
      if (family.indexOf(",") < 0) { node.setAttribute("font-family", family + ", sans-serif"); }
    });
    var lines = citationLines(width, 9);
    var added = lines.length * 12 + 6;
    root.setAttribute("height", String(height + added));
    root.setAttribute("viewBox", "0 0 " + width + " " + (height + added));
    var background = doc.createElementNS(SVG_NS, "rect");
    background.setAttribute("y", String(height));
    background.setAttribute("width", String(width));
    background.setAttribute("height", String(added));
    background.setAttribute("fill", "#ffffff");
    root.appendChild(background);
    lines.forEach(function (line, index) {
      var text = doc.createElementNS(SVG_NS, "text");
      text.setAttribute("x", "5");
      text.setAttribute("y", String(height + 12 * (index + 1)));
      text.setAttribute("font-family", "Lato, sans-serif");
      text.setAttribute("font-size", "9");
      text.setAttribute("fill", "#52606D");
      text.textContent = line;
      root.appendChild(text);
    });
    return new XMLSerializer().serializeToString(root);
  }

  function pngWithCitation(canvas, scale) {
    var lines = citationLines(canvas.width / scale, 9);
    var out = document.createElement("canvas");
    out.width = canvas.width;
    out.height = canvas.height + Math.round((lines.length * 12 + 6) * scale);
    var context = out.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, out.width, out.height);
    context.drawImage(canvas, 0, 0);
    context.fillStyle = "#52606D";
    context.font = (9 * scale) + "px Lato, sans-serif";
    lines.forEach(function (line, index) {
      context.fillText(line, 5 * scale, canvas.height + 12 * (index + 1) * scale);
    });
    return out.toDataURL("image/png");
  }

  function offerImages(figure, view) {
    figure.querySelectorAll("button[data-download]").forEach(function (button) {
      var kind = button.getAttribute("data-download");
      button.addEventListener("click", function () {
        var made = kind === "svg"
          ? view.toSVG().then(function (svg) {
            return "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgWithCitation(svg));
          })
          : view.toCanvas(2).then(function (canvas) { return pngWithCitation(canvas, 2); });
        made.then(function (url) { save(fileName(figure, kind), url); });
      });
      button.parentElement.hidden = false;
    });
  }

  document.querySelectorAll(".vega-chart").forEach(function (element) {
    if (typeof vegaEmbed !== "function") { return; }
    var spec = specOf(element.getAttribute("data-spec"));
    if (!spec) { return; }
    var narrow = element.clientWidth < NARROW ? specOf(element.getAttribute("data-narrow-spec")) : null;
    if (narrow) {
      narrow.datasets = Object.assign({}, spec.datasets, narrow.datasets);
      spec = narrow;
    }
    vegaEmbed(element, spec, { renderer: "svg", actions: false }).then(function (result) {
      var figure = element.closest("figure");
      if (figure) { offerImages(figure, result.view); }
    }).catch(function (error) {
      element.textContent = "This chart could not be drawn: " + error.message;
    });
  });

  // what a scrolling table is about: its caption, else its section's heading (without the anchor link's #)
  function tableName(box) {
    var caption = box.querySelector("caption");
    var section = box.closest("section");
    var heading = section && section.querySelector("h2, h3, h4");
    var text = caption ? caption.textContent : heading ? heading.textContent : document.title;
    return text.replace(/#\s*$/, "").replace(/\s+/g, " ").trim();
  }

  function markScrolling() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Table, scrolls sideways: " + tableName(box));
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  markScrolling();
  window.addEventListener("resize", markScrolling);
  // a page that draws its tables later (compare.js) marks them again once drawn
  window.markScrollingTables = markScrolling;

  function cellValue(cell) {
    var text = cell.textContent.trim();
    var number = parseFloat(text.replace(/[−]/g, "-").replace(/[$,%+]|bn|m\b/g, ""));
    if (text === "") { return null; }
    if (!isNaN(number) && /^[−\-+$]?[\d,.]/.test(text)) { return number * (/bn/.test(text) ? 1000 : 1); }
    return text.toLowerCase();
  }

  document.querySelectorAll(".sortable table").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (header, column) {
      header.setAttribute("tabindex", "0");
      function sort() {
        var descending = header.getAttribute("aria-sort") !== "descending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[column]), y = cellValue(b.cells[column]);
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          var order = x < y ? -1 : x > y ? 1 : 0;
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      header.addEventListener("click", sort);
      header.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
  });
}());
