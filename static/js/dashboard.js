// Dashboard: revenue bars with the profit line, and revenue against its costs.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  function dates(json) { return json.points.map(function (p) { return p.date; }); }
  function series(json, pick) { return json.points.map(pick); }
  function nothingSold(json) {
    return json.points.every(function (p) { return !p.revenue && !p.refunds.amount; });
  }
  var money = function (json) { return { title: { text: json.currency } }; };

  SellerHub.charts.draw(document.getElementById("revenue-profit"), function (json) {
    return {
      empty: nothingSold(json),
      traces: [
        { x: dates(json), y: series(json, function (p) { return p.revenue; }), name: "Revenue", type: "bar", marker: { color: "#4c78a8" } },
        // Profit of the sales whose cost and fees are known; the share of revenue it
        // covers is in the hover text (an unknown cost is never taken as 0).
        {
          x: dates(json),
          y: series(json, function (p) { return p.gross_profit_known; }),
          text: series(json, function (p) {
            return p.gross_profit === null && p.revenue ? "known on " + Math.round((p.profit_coverage || 0) * 100) + "% of revenue" : "";
          }),
          name: "Gross profit (where cost and fees are known)",
          type: "scatter", mode: "lines+markers", line: { color: "#2f9e44" },
        },
      ],
      layout: { yaxis: money(json) },
    };
  });

  SellerHub.charts.draw(document.getElementById("revenue-costs"), function (json) {
    var x = dates(json);
    return {
      empty: nothingSold(json),
      traces: [
        { x: x, y: series(json, function (p) { return p.fees.known_total; }), name: "Amazon fees (known)", type: "bar", marker: { color: "#f58518" } },
        { x: x, y: series(json, function (p) { return p.refunds.amount; }), name: "Refunds", type: "bar", marker: { color: "#e45756" } },
        { x: x, y: series(json, function (p) { return p.cogs_known; }), name: "COGS (known)", type: "bar", marker: { color: "#b279a2" } },
        { x: x, y: series(json, function (p) { return p.revenue; }), name: "Revenue", type: "scatter", mode: "lines", line: { color: "#4c78a8" } },
      ],
      layout: { barmode: "stack", yaxis: money(json) },
    };
  });
});
