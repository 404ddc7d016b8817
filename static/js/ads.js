// Ads pages: spend against ad sales with ACOS, and one SKU's days after ad spend.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  function dates(json) { return json.points.map(function (p) { return p.date; }); }
  function series(json, pick) { return json.points.map(pick); }
  var money = function (json) { return { title: { text: json.currency } }; };
  // The last days' attribution still grows: shade them, as the tables say.
  function settling(json) {
    var days = json.points.filter(function (p) { return p.settling; });
    if (!days.length) return {};
    return {
      shapes: [{ type: "rect", xref: "x", yref: "paper", x0: days[0].date, x1: days[days.length - 1].date, y0: 0, y1: 1, fillcolor: "#999", opacity: 0.12, line: { width: 0 } }],
      annotations: [{ xref: "x", yref: "paper", x: days[0].date, y: 1, text: "still settling", showarrow: false, xanchor: "left", font: { size: 11, color: "#666" } }],
    };
  }
  SellerHub.settling = settling;

  var spend = document.getElementById("ads-spend-sales");
  if (spend) {
    SellerHub.charts.draw(spend, function (json) {
      var x = dates(json);
      return {
        empty: json.points.every(function (p) { return !p.spend && !p.sales; }),
        emptyMessage: "No ad spend and no ad sales in this period.",
        traces: [
          { x: x, y: series(json, function (p) { return p.spend; }), name: "Ad spend", type: "bar", marker: { color: "#e45756" } },
          { x: x, y: series(json, function (p) { return p.sales; }), name: "Ad sales (" + json.window_days + "-day)", type: "bar", marker: { color: "#4c78a8" } },
          // ACOS is unknown (null) on a day without ad sales: a gap, not 0.
          { x: x, y: series(json, function (p) { return p.acos === null ? null : p.acos * 100; }), name: "ACOS %", type: "scatter", mode: "lines+markers", yaxis: "y2", line: { color: "#f58518" } },
        ],
        layout: Object.assign({ barmode: "group", yaxis: money(json), yaxis2: { title: { text: "ACOS %" }, overlaying: "y", side: "right", rangemode: "tozero" } }, settling(json)),
      };
    });
  }

  var sku = document.getElementById("sku-series");
  if (sku) {
    SellerHub.charts.draw(sku, function (json) {
      var x = dates(json);
      return {
        empty: json.points.every(function (p) { return !p.revenue && !p.ad_spend; }),
        emptyMessage: "No sales and no ad spend for this SKU in this period.",
        traces: [
          { x: x, y: series(json, function (p) { return p.revenue; }), name: "Revenue", type: "bar", marker: { color: "#4c78a8" } },
          { x: x, y: series(json, function (p) { return p.ad_spend; }), name: "Ad spend", type: "bar", marker: { color: "#e45756" } },
          // Net profit is null where a cost or fee is unknown: a gap in the line.
          { x: x, y: series(json, function (p) { return p.net_profit; }), name: "Net profit (after ads)", type: "scatter", mode: "lines+markers", line: { color: "#2f9e44" } },
        ],
        layout: Object.assign({ barmode: "group", yaxis: money(json) }, settling(json)),
      };
    });
  }
});
