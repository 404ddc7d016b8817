// Page shell: the shared filter form and the sortable, exportable tables.
(function () {
  "use strict";

  // Custom range: show the date inputs only when "Custom range" is chosen,
  // so the URL carries either days or start/end, never both.
  document.querySelectorAll("[data-filter-form]").forEach(function (form) {
    var days = form.querySelector("[data-days]");
    var custom = form.querySelector("[data-custom-range]");
    if (!days || !custom) return;
    days.addEventListener("change", function () {
      var isCustom = days.value === "";
      custom.hidden = !isCustom;
      days.disabled = isCustom;
      custom.querySelectorAll("input").forEach(function (i) { i.disabled = !isCustom; });
      if (!isCustom) form.requestSubmit();
    });
    form.addEventListener("submit", function () { if (days.value === "") days.disabled = true; });
    var marketplace = form.querySelector("select[name=marketplace]");
    if (marketplace) marketplace.addEventListener("change", function () { form.requestSubmit(); });
  });

  function cellValue(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    var num = Number(raw.replace(/[^0-9.\-]/g, ""));
    return { raw: raw, num: raw !== "" && !isNaN(num) && /\d/.test(raw) ? num : null };
  }

  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var dir = th.getAttribute("data-sort-dir") === "asc" ? "desc" : "asc";
    table.querySelectorAll("th[data-sort-dir]").forEach(function (h) { h.removeAttribute("data-sort-dir"); });
    th.setAttribute("data-sort-dir", dir);
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[index]), y = cellValue(b.cells[index]);
      var cmp = x.num !== null && y.num !== null ? x.num - y.num : x.raw.localeCompare(y.raw);
      return dir === "asc" ? cmp : -cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  // CSV export of what the table shows. Cells starting with = + - @ are
  // prefixed with ' so a spreadsheet does not run them as formulas.
  function toCsv(table) {
    return Array.prototype.map.call(table.rows, function (row) {
      return Array.prototype.map.call(row.cells, function (cell) {
        var text = cell.textContent.replace(/\s+/g, " ").trim();
        if (/^[=+\-@]/.test(text)) text = "'" + text;
        return '"' + text.replace(/"/g, '""') + '"';
      }).join(",");
    }).join("\r\n");
  }

  window.SellerHub = window.SellerHub || {};
  window.SellerHub.tables = { toCsv: toCsv, sortBy: sortBy };

  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, i) {
      if (th.hasAttribute("data-nosort")) return;
      th.addEventListener("click", function () { sortBy(table, i, th); });
    });
    var name = table.getAttribute("data-export");
    if (name) {
      var tools = document.createElement("div");
      tools.className = "table-tools";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.textContent = "Export CSV";
      button.addEventListener("click", function () {
        var blob = new Blob([toCsv(table)], { type: "text/csv" });
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = name;
        a.click();
        URL.revokeObjectURL(a.href);
      });
      tools.appendChild(button);
      table.parentNode.insertBefore(tools, table);
    }
  });
})();
