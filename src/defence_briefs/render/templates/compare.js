// The compare page: up to four countries side by side, from the data inline in #compare-data (a page opened from
// disk may fetch nothing). The choice lives in the address's hash (compare.html#POL,DEU): a link reproduces it, a
// change of a picker rewrites it, and every hashchange re-reads it. The hash is input: only the codes of countries
// in the data are taken from it, and the page is built with createElement/textContent only.
(function () {
  "use strict";
  var source = document.getElementById("compare-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var byCode = new Map();
  data.countries.forEach(function (country) { byCode.set(country.iso3, country); });
  var selects = Array.prototype.slice.call(document.querySelectorAll("#compare-pickers select"));
  var views = [];
  var current = [];  // the countries shown

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  // the known codes of `hash`, at most max_selected, each once, in their order; the default when there are none
  function selectionFrom(hash) {
    var text = hash.replace(/^#/, "");
    try { text = decodeURIComponent(text); } catch (error) { /* a malformed escape: read as written */ }
    var chosen = [];
    text.split(",").forEach(function (part) {
      var code = part.trim().toUpperCase();
      if (byCode.has(code) && chosen.indexOf(code) < 0 && chosen.length < data.max_selected) { chosen.push(code); }
    });
    if (chosen.length) { return chosen; }
    var defaults = data.default_selection.filter(function (code) { return byCode.has(code); });
    return defaults.length ? defaults : [data.countries[0].iso3];
  }

  // a hash naming an element of the page (#orders, the skip link's #content, #cite) is a place, not a selection
  function isPlace(hash) {
    var id = hash.replace(/^#/, "");
    try { id = decodeURIComponent(id); } catch (error) { return false; }
    return id !== "" && document.getElementById(id) !== null;
  }

  function selectionOfPickers() {
    var chosen = [];
    selects.forEach(function (select) {
      if (select.value && chosen.indexOf(select.value) < 0) { chosen.push(select.value); }
    });
    return chosen;
  }

  function fillPickers() {
    selects.forEach(function (select, slot) {
      if (slot > 0) { select.appendChild(new Option("none", "")); }  // the first always holds a country
      data.countries.forEach(function (country) { select.appendChild(new Option(country.name, country.iso3)); });
      select.addEventListener("change", function () { location.hash = selectionOfPickers().join(","); });
    });
  }

  function countryLink(country) {
    if (!country.brief) { return document.createTextNode(country.name); }
    var link = element("a", "", country.name);
    link.href = country.brief;
    return link;
  }

  function withMark(point) {
    return point.text + (point.estimate ? "*" : "");
  }

  // a table in a box of its own that scrolls sideways when narrow; its first `nowrap` columns never wrap
  function table(caption, head, rows, nowrap) {
    var box = element("div", "table-scroll");
    var tableNode = element("table", "compare-table");
    tableNode.appendChild(element("caption", "sr-only", caption));
    var headRow = element("tr");
    head.forEach(function (cell) {
      var th = element("th");
      th.scope = "col";
      th.appendChild(typeof cell === "string" ? document.createTextNode(cell) : cell);
      headRow.appendChild(th);
    });
    tableNode.appendChild(element("thead")).appendChild(headRow);
    var body = tableNode.appendChild(element("tbody"));
    rows.forEach(function (cells) {
      var row = body.appendChild(element("tr"));
      cells.forEach(function (cell, column) {
        var node = element(column === 0 ? "th" : "td", column < nowrap ? "nowrap" : "");
        if (column === 0) { node.scope = "row"; }
        if (typeof cell === "string") { node.textContent = cell; } else { node.appendChild(cell); }
        row.appendChild(node);
      });
    });
    box.appendChild(tableNode);
    return box;
  }

  function replace(id, node) {
    var target = document.getElementById(id);
    target.replaceChildren(node);
  }

  function draw(id, spec, missing) {
    var target = document.getElementById(id);
    target.replaceChildren();
    if (!spec.data.values.length) {
      target.appendChild(element("p", "note", missing));
      return;
    }
    var chart = target.appendChild(element("div", "compare-chart-canvas"));
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", spec.description);
    if (typeof vegaEmbed !== "function") { return; }
    vegaEmbed(chart, spec, { renderer: "svg", actions: false }).then(function (result) {
      views.push(result);
    }).catch(function (error) {
      chart.textContent = "This chart could not be drawn: " + error.message;
    });
  }

  function colours(chosen) {
    return { domain: chosen.map(function (country) { return country.name; }),
             range: data.country_colours.slice(0, chosen.length) };
  }

  // a legend of two columns on a phone, where four names do not fit on one line
  function legend() {
    return { columns: document.getElementById("content").clientWidth < 560 ? 2 : 4, labelLimit: 160 };
  }

  function spec(description, values, layer) {
    var base = { $schema: data.vega_lite_schema, description: description, width: "container",
                 autosize: { type: "fit-x", contains: "padding" }, config: data.chart_config,
                 data: { values: values } };
    Object.keys(layer).forEach(function (key) { base[key] = layer[key]; });
    return base;
  }

  function renderNames(chosen) {
    var list = element("ul", "compare-names");
    chosen.forEach(function (country, slot) {
      var item = list.appendChild(element("li"));
      var swatch = item.appendChild(element("span", "swatch"));
      swatch.style.backgroundColor = data.country_colours[slot];
      item.appendChild(countryLink(country));
    });
    replace("compare-names", list);
  }

  function renderKeyFigures(chosen) {
    var rows = chosen[0].key_figures.map(function (figure, index) {
      return [figure.label].concat(chosen.map(function (country) {
        var point = country.key_figures[index];
        var cell = element("span", "figure", withMark(point));
        if (point.period_label) {
          var wrap = element("span");
          wrap.appendChild(cell);
          wrap.appendChild(element("span", "period", point.period_label));
          return wrap;
        }
        return cell;
      }));
    });
    var sources = [];
    chosen[0].key_figures.forEach(function (figure) {
      if (sources.indexOf(figure.source) < 0) { sources.push(figure.source); }
    });
    var box = element("div");
    box.appendChild(table("Key figures of the countries compared", [""].concat(chosen.map(countryLink)), rows, 0));
    box.appendChild(element("p", "source", "Sources: " + sources.join("; ") + "."));
    replace("compare-key-figures", box);
  }

  // rows of a table of one series: its periods (newest first) down, the countries across
  function seriesRows(chosen, key) {
    var periods = [];
    chosen.forEach(function (country) {
      country[key].forEach(function (point) {
        if (periods.indexOf(point.period_label) < 0) { periods.push(point.period_label); }
      });
    });
    periods.sort().reverse();
    return periods.map(function (period) {
      return [period].concat(chosen.map(function (country) {
        var point = country[key].filter(function (p) { return p.period_label === period; })[0];
        return point ? withMark(point) : "no data";
      }));
    });
  }

  function seriesValues(chosen, key) {
    var values = [];
    chosen.forEach(function (country) {
      country[key].forEach(function (point) {
        values.push({ country: country.name, period: point.period_label, year: Number(point.period),
                      value: point.value, text: withMark(point) });
      });
    });
    return values;
  }

  function renderUsShare(chosen) {
    var values = seriesValues(chosen, "us_share_by_window");
    var windows = values.map(function (v) { return v.period; }).filter(function (p, i, all) {
      return all.indexOf(p) === i;
    }).sort();
    draw("compare-us-share-chart", spec(
      "Lines of the US share of arms imports of " + chosen.map(function (c) { return c.name; }).join(", ") +
        " in each five-year window; the table below gives the numbers.", values, {
        height: 220, mark: { type: "line", point: true },
        encoding: {
          x: { field: "period", type: "ordinal", title: "Five-year window", sort: windows,
               axis: { labelAngle: -45 } },
          y: { field: "value", type: "quantitative", title: "US share of arms imports",
               axis: { format: "%", tickCount: 5 }, scale: { domain: [0, 1] } },
          color: { field: "country", type: "nominal", scale: colours(chosen), title: null, legend: legend() },
          tooltip: [{ field: "country", title: "Country" }, { field: "period", title: "Window" },
                    { field: "text", title: "US share" }] } }),
      "SIPRI records no arms imports for the countries chosen.");
    replace("compare-us-share-table", table("US share of arms imports by five-year window",
      ["Window"].concat(chosen.map(countryLink)), seriesRows(chosen, "us_share_by_window"), 1));
  }

  function renderOrders(chosen) {
    var values = [];
    var rows = [];
    chosen.forEach(function (country) {
      if (!country.orders_by_bloc.length) {
        rows.push([country.name, data.periods.orders_before + ", " + data.periods.orders_since, "no orders recorded",
                   "", "", "", ""]);
      }
      country.orders_by_bloc.forEach(function (order) {
        var row = country.name + " " + order.period_label;
        data.blocs.forEach(function (bloc, position) {
          var part = order.blocs[bloc.key];
          values.push({ row: row, bloc: bloc.label, bloc_order: position, value: part.value, text: part.text,
                        share: order.value ? part.value / order.value : 0 });
        });
        rows.push([country.name, order.period_label].concat(data.blocs.map(function (bloc) {
          return order.blocs[bloc.key].text;
        }), [withMark(order), order.us_share ? withMark(order.us_share) : "no data"]));
      });
    });
    var order = values.map(function (v) { return v.row; }).filter(function (r, i, all) { return all.indexOf(r) === i; });
    draw("compare-orders-chart", spec(
      "Bars of the arms orders of each country chosen, before and since 2022, split by supplier: the United " +
        "States, European suppliers and others; the table below gives the numbers.", values, {
        height: 26 * order.length, mark: { type: "bar" },
        encoding: {
          y: { field: "row", type: "nominal", title: null, sort: order, axis: { labelLimit: 170 } },
          x: { field: "value", type: "quantitative", stack: "normalize", title: "Share of arms orders (by volume)",
               axis: { format: "%", tickCount: 5 } },
          color: { field: "bloc", type: "nominal", title: null, legend: legend(),
                   scale: { domain: data.blocs.map(function (b) { return b.label; }),
                            range: data.blocs.map(function (b) { return b.colour; }) } },
          order: { field: "bloc_order", type: "quantitative" },
          tooltip: [{ field: "row", title: "Orders" }, { field: "bloc", title: "Supplier" },
                    { field: "text", title: "TIV (millions)" },
                    { field: "share", title: "Share", format: ".0%" }] } }),
      "SIPRI's register records no arms orders for the countries chosen in these years.");
    replace("compare-orders-table", table("Arms orders by supplier (SIPRI TIV, millions)",
      ["Country", "Period"].concat(data.blocs.map(function (b) { return b.label; }),
                                          ["Total", "US share"]), rows, 2));
  }

  function renderSpending(chosen) {
    draw("compare-spending-chart", spec(
      "Lines of military spending as a share of GDP (SIPRI) of " +
        chosen.map(function (c) { return c.name; }).join(", ") + " by year; the table below gives the numbers.",
      seriesValues(chosen, "spending_share_of_gdp"), {
        height: 220, mark: { type: "line", point: true },
        encoding: {
          x: { field: "year", type: "quantitative", title: null, axis: { format: "d", tickMinStep: 1 },
               scale: { zero: false, nice: false } },
          y: { field: "value", type: "quantitative", title: "Share of GDP", axis: { format: ".1%", tickCount: 5 } },
          color: { field: "country", type: "nominal", scale: colours(chosen), title: null, legend: legend() },
          tooltip: [{ field: "country", title: "Country" }, { field: "period", title: "Year" },
                    { field: "text", title: "Share of GDP" }] } }),
      "SIPRI has no spending figures for the countries chosen.");
    replace("compare-spending-table", table("Military spending, share of GDP (SIPRI), by year",
      ["Year"].concat(chosen.map(countryLink)), seriesRows(chosen, "spending_share_of_gdp"), 1));
  }

  function render() {
    var place = isPlace(location.hash);
    var codes = place ? (current.length ? current : selectionFrom("")) : selectionFrom(location.hash);
    current = codes;
    if (location.hash && !place && location.hash !== "#" + codes.join(",")) {
      history.replaceState(null, "", "#" + codes.join(","));  // the address says what the page shows
    }
    selects.forEach(function (select, slot) { select.value = codes[slot] || ""; });
    views.forEach(function (view) { view.finalize(); });
    views = [];
    var chosen = codes.map(function (code) { return byCode.get(code); });
    renderNames(chosen);
    renderKeyFigures(chosen);
    renderUsShare(chosen);
    renderOrders(chosen);
    renderSpending(chosen);
    if (typeof window.markScrollingTables === "function") { window.markScrollingTables(); }  // site.js
  }

  document.getElementById("compare-status").hidden = true;
  fillPickers();
  window.addEventListener("hashchange", function () {
    if (!isPlace(location.hash)) { render(); }  // following a link within the page keeps the selection
  });
  render();
}());
