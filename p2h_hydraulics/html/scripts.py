"""The views' own JavaScript (inlined in every page; no external dependency but plotly.js).

* draws every figure of the page from its ``<script type="application/json" class="p2h-fig">``;
* search box (``form.search``): finds an element by id in the figure's ``extra.items``
  (``[id, x, y, trace, point, kind]``; exact, then case-insensitive, then substring), moves the
  highlight trace (``extra.highlight``) onto it and opens its hover label;
* sortable tables (``table.sortable``: click a header; numbers by their ``data-v``);
* row picking (``table.rows`` with ``data-div``; rows with ``data-id``): highlights the element.

User text is only ever written with ``textContent`` / DOM properties, never as HTML.
"""

VIEW_JS = r"""
(function () {
  "use strict";
  var figs = {};
  window.P2H = figs;
  function lookup(div, id) {
    var f = figs[div];
    if (!f) { return []; }
    var hits = f.byId.get(id);
    if (hits) { return hits; }
    var low = id.toLowerCase(), out = [];
    f.items.forEach(function (it) { if (String(it[0]).toLowerCase() === low) { out.push(it); } });
    if (out.length) { return out; }
    f.items.forEach(function (it) {
      if (out.length < 50 && low && String(it[0]).toLowerCase().indexOf(low) >= 0) { out.push(it); }
    });
    return out;
  }
  function highlight(div, hits) {
    var f = figs[div];
    if (!f || f.highlight === undefined || f.highlight === null) { return; }
    var gd = document.getElementById(div);
    var xs = hits.map(function (h) { return h[1]; });
    var ys = hits.map(function (h) { return h[2]; });
    Plotly.restyle(gd, {x: [xs], y: [ys]}, [f.highlight]);
    f.picked = hits.map(function (h) { return h[0]; });
    if (hits.length && hits[0][3] !== null && hits[0][3] !== undefined) {
      try {
        Plotly.Fx.hover(gd, [{curveNumber: hits[0][3], pointNumber: hits[0][4]}]);
      } catch (e) { /* a hidden trace has no hover label */ }
    }
  }
  window.P2H_highlight = function (div, id) {
    var hits = lookup(div, id);
    highlight(div, hits);
    return hits.length;
  };
  function initSearch(form) {
    var div = form.getAttribute("data-div");
    var input = form.querySelector("input");
    var msg = form.querySelector(".msg");
    var list = document.createElement("datalist");
    list.id = div + "-ids";
    (figs[div] ? figs[div].items : []).forEach(function (it) {
      var o = document.createElement("option");
      o.value = String(it[0]);
      list.appendChild(o);
    });
    form.appendChild(list);
    input.setAttribute("list", list.id);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var hits = lookup(div, input.value.trim());
      highlight(div, hits);
      if (!hits.length) { msg.textContent = "not found: " + input.value; return; }
      msg.textContent = hits.length === 1 ? "found: " + hits[0][5] + " " + hits[0][0]
        : hits.length + " elements match (highlighted)";
    });
  }
  function cellValue(td) {
    var v = td.getAttribute("data-v");
    if (v !== null) { var n = parseFloat(v); return isNaN(n) ? null : n; }
    return td.textContent;
  }
  function initSortable(table) {
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, col) {
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("asc");
        Array.prototype.forEach.call(ths, function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
          if (x === null && y === null) { return 0; }
          if (x === null) { return 1; }       /* empty values last in both directions */
          if (y === null) { return -1; }
          var c = (typeof x === "number" && typeof y === "number") ? x - y
            : String(x).localeCompare(String(y), undefined, {numeric: true});
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  function initRows(table) {
    var div = table.getAttribute("data-div");
    table.addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr[data-id]");
      if (!tr) { return; }
      Array.prototype.forEach.call(table.querySelectorAll("tr.picked"),
        function (r) { r.classList.remove("picked"); });
      tr.classList.add("picked");
      var id = tr.getAttribute("data-id");
      var f = figs[div];
      highlight(div, f ? (f.byId.get(id) || []) : []);
    });
  }
  function init() {
    var cfg = window.P2H_PLOTLY_CONFIG || {};
    document.querySelectorAll("script.p2h-fig").forEach(function (s) {
      var div = s.getAttribute("data-div");
      var d = JSON.parse(s.textContent);
      var extra = d.extra || {};
      var items = extra.items || [];
      var byId = new Map();
      items.forEach(function (it) {
        var k = String(it[0]);
        if (!byId.has(k)) { byId.set(k, []); }
        byId.get(k).push(it);
      });
      figs[div] = {items: items, byId: byId, highlight: extra.highlight, picked: []};
      Plotly.newPlot(document.getElementById(div), d.data, d.layout, cfg);
    });
    document.querySelectorAll("form.search").forEach(initSearch);
    document.querySelectorAll("table.sortable").forEach(initSortable);
    document.querySelectorAll("table.rows").forEach(initRows);
    document.body.setAttribute("data-ready", "1");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
})();
"""
