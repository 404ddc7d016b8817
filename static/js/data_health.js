// Data health: the 30-day trend of each problem count.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var series = [
    ["unmapped_skus", "Unmapped SKUs"],
    ["products_missing_cost", "Products without a cost"],
    ["listings_missing_fee_rule", "Listings without a fee rule"],
    ["stale_inventory", "Stale stock rows"],
  ];
  SellerHub.charts.draw(document.getElementById("health-trend"), function (json) {
    var dates = json.trend.map(function (p) { return p.date; });
    return {
      traces: series.map(function (s) {
        return {
          x: dates,
          y: json.trend.map(function (p) { return p[s[0]]; }),
          name: s[1],
          type: "scatter",
          mode: "lines+markers",
          connectgaps: false,
        };
      }),
      layout: { yaxis: { title: { text: "count" }, rangemode: "tozero" } },
    };
  });
});
