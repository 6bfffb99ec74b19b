// Draws every chart of the page with vega-embed (loaded from the local assets) and makes tables sortable.
(function () {
  "use strict";
  document.querySelectorAll(".vega-chart").forEach(function (element) {
    var source = document.getElementById(element.getAttribute("data-spec"));
    if (!source || typeof vegaEmbed !== "function") { return; }
    var spec = JSON.parse(source.textContent);
    vegaEmbed(element, spec, { renderer: "svg", actions: false }).catch(function (error) {
      element.textContent = "This chart could not be drawn: " + error.message;
    });
  });

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
